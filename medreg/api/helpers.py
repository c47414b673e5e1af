"""Small helpers shared by the API routers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from medreg.core.errors import NotFound


def choice_label(choices: Any, value: str) -> str:
    """The display label of a stored choice value (the value itself if it is not a known choice)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def not_found() -> NotFound:
    """The 404 for a record that does not exist or is outside the caller's scope."""
    return NotFound(_("未找到该记录。"), code="not_found")
