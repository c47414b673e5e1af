"""个人端 "公开了我的哪些信息": for each of the practitioner's registrations, every field of the
publication policy with who may see it, and the exact value the public register shows.

Values come from the same public selectors as the register itself, so what this page calls public is
what the public site, the open API and the open-data files actually publish.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from medreg.people.choices import RegistrationStatus
from medreg.people.models import PracticeRegistration
from medreg.portals.views import portal_required
from medreg.public import policy as publication
from medreg.public import selectors

_DISPLAY_KEYS = {
    "profession": "profession_label",
    "status": "status_label",
}


def _shown(field_name: str, record: dict[str, Any] | None) -> str:
    """The text the public register shows for ``field_name`` (empty when it shows nothing)."""
    if record is None:
        return ""
    value = record.get(_DISPLAY_KEYS.get(field_name, field_name))
    if field_name == "practice_sites" and value:
        return "；".join(
            f"{s['institution']}（{s['kind_label']}，{s['start_on'] or ''}—{s['end_on'] or ''}）" for s in value
        )
    if field_name == "sanctions" and value:
        return "；".join(f"{s['kind_label']}（{s['start_on'] or ''}—{s['end_on'] or ''}）" for s in value)
    if value is None or value == [] or value == "":
        return ""
    return str(value)


def published_rows(registration: Any) -> dict[str, Any]:
    pol = publication.current_policy()
    status = registration.status
    listed = pol.listed("practitioner", status)
    record = selectors.practitioner_detail(registration.pk) if listed else None
    rows = []
    for name in pol.fields("practitioner"):
        audience = pol.required("practitioner", name, status)
        never = name in pol.never_public.get("practitioner", frozenset())
        rows.append({
            "field": name,
            "label": publication.field_label("practitioner", name),
            "audience": audience,
            "audience_label": publication.AUDIENCE_LABELS[audience],
            "never_public": never,
            "shown": _shown(name, record) if audience == publication.PUBLIC else "",
        })
    return {
        "registration": registration,
        "status_label": dict(RegistrationStatus.choices).get(status, status),
        "listed": listed,
        "rows": rows,
    }


@portal_required("individual")
@require_GET
def published(request: HttpRequest) -> HttpResponse:
    """What the public register publishes about the signed-in practitioner, field by field."""
    person = request.user.person  # type: ignore[union-attr]
    regs = (
        PracticeRegistration.objects.for_user(request.user, "view").filter(person=person).order_by("-registered_on", "-pk")
        if person is not None else PracticeRegistration.objects.none()
    )
    return render(
        request,
        "public/published_about_me.html",
        {"items": [published_rows(r) for r in regs], "section": "published", "person": person},
    )
