"""Typed access to MedReg's business configuration (``settings.MEDREG``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def conf(name: str) -> Any:
    """One value of ``settings.MEDREG``; a missing key is a programming error (KeyError)."""
    values: dict[str, Any] = settings.MEDREG
    return values[name]
