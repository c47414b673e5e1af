"""Jurisdiction scoping: the one mechanism that decides which rows a user may see or act on.

Each jurisdiction-bound model declares a :class:`ScopeSpec` (``scope = ScopeSpec(...)``) naming the
lookup paths that tie a row to a division, an authority, an institution and a person, and uses
:class:`ScopedQuerySet` as its manager. ``Model.objects.for_user(user, action)`` then denies by default:

* anonymous: nothing;
* national staff (or a superuser): everything;
* an authority's staff: for ``view``, rows in their division's subtree; for ``act``, rows that belong
  to their own authority (a province may watch a county's queue but does not decide for it);
* institution staff: rows of their institution;
* an individual: rows about themselves.

Callers never write a jurisdiction filter by hand. Outside the scope the interfaces answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

Action = Literal["view", "act"]
Via = Literal["authority", "institution", "person"]
_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class ScopeSpec:
    """Lookup paths from a model to the things that decide who may see it."""

    division: str | None = None  # path to a GB/T 2260 code (subtree match)
    authority: str | None = None  # path to the deciding Authority (act)
    institution: str | None = None  # path to the Institution
    person: str | None = None  # path to the Person the row is about
    distinct: bool = False  # set when a path crosses a to-many relation


@dataclass
class ScopeInfo:
    """What a user's memberships grant, computed once per user object."""

    authenticated: bool = False
    national: bool = False
    authority_ids: set[int] = field(default_factory=set)
    division_prefixes: set[str] = field(default_factory=set)
    institution_ids: set[int] = field(default_factory=set)
    person_id: int | None = None
    roles: set[tuple[str, int | None, int | None]] = field(default_factory=set)  # (role, authority, inst)

    def has_role(self, role: str, *, authority_id: int | None = None, institution_id: int | None = None) -> bool:
        for r, a, i in self.roles:
            if r != role:
                continue
            if authority_id is not None and a != authority_id:
                continue
            if institution_id is not None and i != institution_id:
                continue
            return True
        return False


def scope_info(user: Any) -> ScopeInfo:
    """The user's :class:`ScopeInfo`, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ScopeInfo()
    cached = getattr(user, "_medreg_scope", None)
    if cached is not None:
        return cached
    info = user.build_scope_info()
    user._medreg_scope = info
    return info


def invalidate_scope(user: Any) -> None:
    if user is not None and hasattr(user, "_medreg_scope"):
        del user._medreg_scope


class ScopedQuerySet(models.QuerySet[_M]):
    """QuerySet with :meth:`for_user`. Models using it must define ``scope: ScopeSpec``."""

    def for_user(
        self, user: AnonymousUser | Any, action: Action = "view", *, via: Via | None = None
    ) -> ScopedQuerySet[_M]:
        """Rows ``user`` may ``action``. ``via`` limits the grant to one capacity (a portal asks only
        for what its user may do as authority staff, as institution staff or as the person)."""
        info = scope_info(user)
        if not info.authenticated:
            return self.none()
        if info.national and via in (None, "authority"):
            return self.all()
        spec: ScopeSpec = self.model.scope  # type: ignore[attr-defined]
        q = Q(pk__in=[])
        if info.authority_ids and via in (None, "authority"):
            if action == "act" and spec.authority:
                q |= Q(**{f"{spec.authority}__in": sorted(info.authority_ids)})
            elif spec.division:
                for prefix in sorted(info.division_prefixes):
                    q |= Q(**{f"{spec.division}__startswith": prefix})
        if info.institution_ids and spec.institution and via in (None, "institution"):
            q |= Q(**{f"{spec.institution}__in": sorted(info.institution_ids)})
        if info.person_id is not None and spec.person and via in (None, "person"):
            q |= Q(**{spec.person: info.person_id})
        qs = self.filter(q)
        return qs.distinct() if spec.distinct else qs


def in_scope(obj: models.Model, user: Any, action: Action = "view") -> bool:
    """Whether ``obj`` is visible to ``user`` under its model's scope (one query)."""
    manager = type(obj)._default_manager
    return bool(manager.for_user(user, action).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]
