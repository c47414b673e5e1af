"""State machines as data: a transition table and one guard helper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from medreg.core.errors import Conflict

S = TypeVar("S", bound=str)


def can_transition(table: Mapping[S, frozenset[S]], current: S, target: S) -> bool:
    return target in table.get(current, frozenset())


def assert_can_transition(table: Mapping[S, frozenset[S]], current: S, target: S) -> None:
    """Raise :class:`Conflict` unless ``current -> target`` is in ``table``."""
    if not can_transition(table, current, target):
        raise Conflict(
            _("当前状态“%(current)s”下不能执行此操作（目标状态“%(target)s”）。"),
            code="invalid_transition",
            params={"current": str(current), "target": str(target)},
        )
