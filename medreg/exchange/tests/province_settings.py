"""Settings of the "province" instance the two-instance sync test runs in a subprocess.

Its own database comes from ``DATABASE_URL``; tables are created straight from the models
(``migrate --run-syncdb``) so the test does not depend on migration files being up to date.
"""

from config.settings import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
