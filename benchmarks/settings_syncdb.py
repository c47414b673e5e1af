"""Benchmark settings: production settings, but the schema is created straight from the models
(``migrate --run-syncdb`` with migrations disabled), so a benchmark can run on a working tree whose
shared-app migrations have not been generated yet. Use only for throw-away benchmark databases."""

from config.settings import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()
