"""Django's tasks API. Django 5.2 gets it from the django-tasks backport; Django 6 ships it."""

from __future__ import annotations

try:  # Django >= 6.0
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version installed
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]

__all__ = ["task"]
