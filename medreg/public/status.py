"""办理状态查询: anyone with an application number and the applicant's name sees where the case stands.

What anyone with both sees: the item, the stage, the submission date, the statutory due date (working
days) and, while a 补正 is pending, the consolidated list of what to correct. Only the owner (the
applicant, or the person the application is about) also sees the full timeline. A wrong name and an
unknown number give the same answer, so the query cannot be used to learn which numbers exist; drafts
are private to their author and never found.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from medreg.applications.choices import Action, Status
from medreg.applications.models import Application


@dataclass(frozen=True)
class StatusView:
    number: str
    item_name: str
    status: str
    status_label: str
    submitted_on: date | None
    accepted_on: date | None
    due_on: date | None
    remaining_working_days: int | None
    overdue: bool
    correction_items: list[str]
    correction_since: date | None
    final: bool
    decided_on: date | None
    is_owner: bool
    timeline: list[dict[str, Any]] = field(default_factory=list)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def applicant_name(app: Application) -> str:
    """The name the applicant gives: the person's for individual items, the institution's otherwise."""
    if app.person_id:
        return app.person.name  # type: ignore[union-attr]
    if app.institution_id:
        return app.institution.name  # type: ignore[union-attr]
    return getattr(app.applicant, "real_name", "") or ""


def is_owner(app: Application, user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if app.applicant_id == user.pk:
        return True
    return bool(app.person_id and getattr(user, "person_id", None) == app.person_id)


def find(number: str, name: str, *, user: Any = None) -> StatusView | None:
    """The status of application ``number`` if ``name`` is its applicant's name; ``None`` otherwise."""
    number = (number or "").strip().upper()
    if not number or not _norm(name) or len(number) > 24:
        return None
    app = (
        Application.objects.select_related("person", "institution", "applicant")
        .filter(number=number).exclude(status=Status.DRAFT).first()
    )
    if app is None or _norm(applicant_name(app)) != _norm(name):
        return None
    return build(app, owner=is_owner(app, user))


def build(app: Application, *, owner: bool) -> StatusView:
    from medreg.applications.clock import clock_view

    today = timezone.localdate()
    view = clock_view(app, today=today)
    items: list[str] = []
    since = None
    if app.status == Status.CORRECTION:
        pause = app.clock_pauses.filter(ended_on__isnull=True).order_by("-started_on", "-pk").first()
        if pause is not None:
            items, since = [str(i) for i in pause.items or []], pause.started_on
    try:
        item_name = str(app.item.name)
    except Exception:  # noqa: BLE001 - an item retired from the catalogue still has a status
        item_name = app.item_code
    timeline: list[dict[str, Any]] = []
    if owner:
        labels = dict(Action.choices)
        statuses = dict(Status.choices)
        for entry in app.timeline.all():
            timeline.append({
                "at": entry.at,
                "action": entry.action,
                "action_label": str(labels.get(entry.action, entry.action)),
                "to_status": str(statuses.get(entry.to_status, entry.to_status)) if entry.to_status else "",
                "actor": entry.actor_label,
                "comment": entry.comment,
            })
    return StatusView(
        number=app.number,
        item_name=item_name,
        status=app.status,
        status_label=str(dict(Status.choices).get(app.status, app.status)),
        submitted_on=timezone.localdate(app.submitted_at) if app.submitted_at else None,
        accepted_on=app.accepted_on,
        due_on=view.due_on,
        remaining_working_days=view.remaining,
        overdue=view.overdue,
        correction_items=items,
        correction_since=since,
        final=app.is_final,
        decided_on=timezone.localdate(app.decided_at) if app.decided_at else None,
        is_owner=owner,
        timeline=timeline,
    )
