"""Business errors that every interface (form, API, command) renders the same way.

A service raises :class:`DomainError` with one or more :class:`ErrorItem` objects. Each item carries a
stable machine ``code``, an optional ``field`` and a lazily translated message whose source text is
Chinese; the English text comes from the ``en`` catalogue. Interfaces render both languages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise


@dataclass(frozen=True)
class ErrorItem:
    """One problem with the input or with a business rule."""

    code: str
    message: str | Promise
    field: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        """The message in ``language`` (or the active language), with named placeholders filled."""
        if language is None:
            text = str(self.message)
        else:
            with translation.override(language):
                text = str(self.message)
        return text % dict(self.params) if self.params else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.render(),
            "message_zh": self.render("zh-hans"),
            "message_en": self.render("en"),
        }


class DomainError(Exception):
    """A business operation was refused. Nothing was saved (the caller's transaction rolls back)."""

    status_code = 400

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str = "invalid",
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
        errors: Iterable[ErrorItem] | None = None,
    ) -> None:
        items = list(errors or [])
        if message is not None:
            items.insert(0, ErrorItem(code=code, message=message, field=field, params=params or {}))
        if not items:
            raise ValueError("DomainError needs a message or errors")
        self.errors = items
        super().__init__(items[0].render("en"))

    @property
    def code(self) -> str:
        return self.errors[0].code

    def messages(self, language: str | None = None) -> list[str]:
        return [e.render(language) for e in self.errors]

    def field_errors(self) -> dict[str | None, list[str]]:
        out: dict[str | None, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.render())
        return out


class PermissionDenied(DomainError):
    """The acting user may not do this. Rendered as 403, or as 404 where existence must not leak."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or is outside the acting user's scope."""

    status_code = 404


class Conflict(DomainError):
    """The object changed state under us (another user acted first)."""

    status_code = 409


def collect(errors: list[ErrorItem]) -> None:
    """Raise one DomainError with every collected item, if there are any."""
    if errors:
        raise DomainError(errors=errors)
