"""Template tags that put supervision panels on other apps' pages with one include line:

* ``{% load supervision %}{% supervision_panel app %}`` on the authority's application (decision) page:
  the 线上踏勘 tasks and returned forms, the send form, the consultations and the risk flags;
* ``{% risk_flags subject %}`` on any authority page about an application, institution or person.
"""

from __future__ import annotations

from typing import Any

from django import template

from medreg.accounts.choices import Role
from medreg.applications.choices import Status
from medreg.core.scoping import scope_info
from medreg.supervision import selectors
from medreg.supervision import services as sv
from medreg.supervision.choices import InspectionStatus, SubjectKind

register = template.Library()


@register.inclusion_tag("supervision/_application_panel.html", takes_context=True)
def supervision_panel(context: dict[str, Any], app: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    inspections = selectors.inspections_for_application(app, user)
    info = scope_info(user)
    may_send = any(info.has_role(r, authority_id=app.authority_id) for r in (Role.CLERK, Role.REVIEWER))
    open_task = any(t.status == InspectionStatus.SENT for t in inspections)
    can_send = may_send and app.status == Status.ACCEPTED and not open_task
    return {
        "request": request, "csrf_token": context.get("csrf_token"), "app": app,
        "inspections": inspections, "needs_inspection": selectors.needs_inspection(app),
        "can_send": can_send,
        "inspectors": sv.eligible_inspectors(sv.application_division(app)) if can_send else [],
        "threads": list(selectors.consultations_for(app, user)),
        "flags": list(selectors.risk_flags_for(app, user)),
        "subject_kind": SubjectKind.APPLICATION, "subject_id": app.pk,
        "counts_toward_clock": sv.inspection_counts_toward_clock(),
    }


@register.inclusion_tag("supervision/_risk_flags.html", takes_context=True)
def risk_flags(context: dict[str, Any], subject: Any) -> dict[str, Any]:
    return {"flags": list(selectors.risk_flags_for(subject, context["request"].user))}


@register.inclusion_tag("supervision/_institution_links.html", takes_context=True)
def institution_supervision(context: dict[str, Any], institution: Any) -> dict[str, Any]:
    """On the authority's institution page: its risk flags and links to the graph report and consultations."""
    user = context["request"].user
    return {"institution": institution, "flags": list(selectors.risk_flags_for(institution, user)),
            "warnings": selectors.warnings_for_institution(institution, user, via="authority").count()}


@register.inclusion_tag("supervision/_subject_consultations.html", takes_context=True)
def subject_consultations(context: dict[str, Any], subject: Any, kind: str) -> dict[str, Any]:
    """Risk flags, consultation threads and the "open a consultation" form for an institution or a person
    (authority pages only)."""
    request = context["request"]
    user = request.user
    return {
        "request": request, "csrf_token": context.get("csrf_token"),
        "flags": list(selectors.risk_flags_for(subject, user)),
        "threads": list(selectors.consultations_for(subject, user)),
        "subject_kind": kind, "subject_id": subject.pk, "next": request.path,
    }
