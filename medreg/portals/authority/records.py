"""管理端 pages of the records stream: find a practitioner in the jurisdiction, see their archive (活档) and
不予注册 grounds, export it as PDF, and record 定期考核, penalties, good/bad records, legal circumstances and
trainings; decide the proposals that failed assessments lead to.

Views parse input, call a service in :mod:`medreg.people.records` and render. Outside the jurisdiction: 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from medreg.accounts.choices import Role
from medreg.core.errors import DomainError, NotFound
from medreg.core.scoping import scope_info
from medreg.people import archive as archive_selectors
from medreg.people import records
from medreg.people.eligibility import registration_bars
from medreg.people.models import (
    AssessmentResult,
    BanBasis,
    CircumstanceKind,
    Person,
    PracticeRecordKind,
    Proposal,
    TrainingKind,
)
from medreg.portals.views import portal_required

NS = "portals:authority"
authority_page = portal_required("authority")

RECORDERS = {
    "assessment": records.record_assessment,
    "penalty": records.record_penalty,
    "practice_record": records.record_practice_record,
    "circumstance": records.record_circumstance,
    "training": records.record_training,
}


@require_GET
@authority_page
def people_search(request: HttpRequest) -> HttpResponse:
    """Practitioners in the jurisdiction whose name matches ``q`` (at most 50)."""
    q = request.GET.get("q", "").strip()[:60]
    found = []
    if q:
        found = list(
            Person.objects.for_user(request.user, "view", via="authority")
            .filter(name__contains=q)
            .order_by("name", "pk")[:50]
        )
    return render(
        request,
        "portals/records/people_search.html",
        {"q": q, "found": found, "section": "people", "portal": "authority"},
    )


def _access(request: HttpRequest, person_id: int) -> archive_selectors.ArchiveAccess:
    try:
        return archive_selectors.archive_access(request.user, person_id, capacity="authority")
    except NotFound as exc:
        raise Http404 from exc


def _choices(choices: Any) -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in choices.choices]


@require_GET
@authority_page
def person_archive(request: HttpRequest, person_id: int) -> HttpResponse:
    access = _access(request, person_id)
    person = access.person
    bars = [b.render() for prof in ("physician", "nurse") for b in registration_bars(person, profession=prof)]
    info = scope_info(request.user)
    proposals = [
        p
        for p in Proposal.objects.for_user(request.user, "act", via="authority")
        .filter(person=person, status="open")
        .select_related("assessment")
        if info.national or info.has_role(Role.APPROVER, authority_id=p.authority_id)
    ]
    return render(
        request,
        "portals/records/archive_page.html",
        {
            **archive_selectors.archive_data(access),
            "portal": "authority",
            "section": "people",
            "bars": list(dict.fromkeys(bars)),
            "proposals": proposals,
            "record_forms": True,
            "pdf_url": reverse(f"{NS}:person_archive_pdf", args=[person.pk]),
            "back_url": reverse(f"{NS}:people"),
            "choices": {
                "result": _choices(AssessmentResult),
                "ban_basis": _choices(BanBasis),
                "circumstance": _choices(CircumstanceKind),
                "practice_record": _choices(PracticeRecordKind),
                "training": _choices(TrainingKind),
                "penalty": [
                    ("warning", _t("警告")),
                    ("suspension", _t("暂停执业活动")),
                    ("revocation", _t("吊销执业证书")),
                    ("ban", _t("禁止从事执业活动")),
                ],
            },
        },
    )


@require_GET
@authority_page
def person_archive_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    access = _access(request, person_id)
    content = archive_selectors.archive_pdf(access)
    records.record_archive_export(access.person, acting_user=request.user, fmt="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="archive-{access.person.pk}.pdf"'
    return response


def _flash_errors(request: HttpRequest, exc: DomainError) -> None:
    for item in exc.errors:
        messages.error(request, item.render())


@require_POST
@authority_page
def record(request: HttpRequest, person_id: int, kind: str) -> HttpResponse:
    """Record one kind of record from the archive page's forms; errors are shown on the page."""
    recorder = RECORDERS.get(kind)
    if recorder is None:
        raise Http404
    try:
        recorder(person_id, acting_user=request.user, data=request.POST.dict())
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _t("已记录。"))
    return redirect(f"{NS}:person_archive", person_id=person_id)


@require_POST
@authority_page
def decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = Proposal.objects.for_user(request.user, "view", via="authority").filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
    try:
        records.decide_proposal(
            proposal_id,
            acting_user=request.user,
            accept=request.POST.get("accept") == "1",
            months=request.POST.get("months") or None,
            start_on=request.POST.get("start_on"),
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _t("已处理。"))
    return redirect(f"{NS}:person_archive", person_id=proposal.person_id)


urlpatterns = [
    path("people/", people_search, name="people"),
    path("people/<int:person_id>/archive/", person_archive, name="person_archive"),
    path("people/<int:person_id>/archive.pdf", person_archive_pdf, name="person_archive_pdf"),
    path("people/<int:person_id>/records/<str:kind>/", record, name="record"),
    path("proposals/<int:proposal_id>/decide/", decide, name="decide_proposal"),
]
