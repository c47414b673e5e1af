"""机构端 pages of the records stream: the staff roster with statuses and its Excel export, batch
confirmation of applications, the phone-number reset of a practitioner, and a practitioner's archive
(limited to the period of employment at this institution).

Views parse input, call a service or a selector and render. Not institution staff: 404 (like the rest of
the portal); a person not on this institution's staff: 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_http_methods

from medreg.applications.choices import Status
from medreg.core.errors import DomainError, NotFound
from medreg.core.masking import mask_phone
from medreg.people import archive as archive_selectors
from medreg.people import records
from medreg.people.choices import AffiliationStatus
from medreg.people.models import Affiliation
from medreg.portals.institution.views import _applications, _base, _current, institution_page
from medreg.portals.views import render_domain_error

NS = "portals:institution"


@require_GET
@institution_page
def roster(request: HttpRequest) -> HttpResponse:
    """在岗/离职/退休/死亡/多机构执业, with dates; ``?status=`` filters."""
    current = _current(request)
    status = request.GET.get("status", "")
    if status not in archive_selectors.ROSTER_STATUSES:
        status = ""
    rows = archive_selectors.roster(current.institution.pk, request.user, status=status or None)
    return render(
        request,
        "portals/records/roster.html",
        _base(
            current,
            "roster",
            rows=rows,
            status=status,
            statuses=[(k, str(v)) for k, v in archive_selectors.ROSTER_STATUSES.items()],
        ),
    )


@require_GET
@institution_page
def roster_export(request: HttpRequest) -> HttpResponse:
    """The roster (same filter) as an .xlsx file; the export is audited."""
    current = _current(request)
    status = request.GET.get("status", "")
    if status not in archive_selectors.ROSTER_STATUSES:
        status = ""
    rows = archive_selectors.roster(current.institution.pk, request.user, status=status or None)
    content = archive_selectors.roster_xlsx(rows, institution_name=current.institution.name)
    records.record_roster_export(current.institution.pk, acting_user=request.user, rows=len(rows))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="roster-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@institution_page
def batch_confirm(request: HttpRequest) -> HttpResponse:
    """List applications awaiting confirmation with check boxes; POST confirms the ticked ones."""
    current = _current(request)
    results = None
    if request.method == "POST":
        ids = request.POST.getlist("application")
        results = records.batch_confirm_applications(
            ids, acting_user=request.user, comment=request.POST.get("comment", "")
        )
        ok = sum(1 for r in results if r.ok)
        messages.success(
            request, _t("已确认%(ok)s件，未能确认%(bad)s件。") % {"ok": ok, "bad": len(results) - ok}
        )
    waiting = (
        _applications(request)
        .filter(institution=current.institution, status=Status.SUBMITTED)
        .select_related("person")
        .order_by("submitted_at", "pk")
    )
    return render(
        request,
        "portals/records/batch_confirm.html",
        _base(current, "applications", waiting=list(waiting), results=results),
    )


def _staff_affiliation(request: HttpRequest, current: Any, person_id: int) -> Affiliation:
    aff = (
        Affiliation.objects.for_user(request.user, "view", via="institution")
        .filter(
            institution=current.institution,
            person_id=person_id,
            status=AffiliationStatus.ACTIVE,
        )
        .select_related("person__user")
        .first()
    )
    if aff is None:
        raise Http404
    return aff


@require_http_methods(["GET", "POST"])
@institution_page
def phone_reset(request: HttpRequest, person_id: int) -> HttpResponse:
    """【更改手机号】 for an active staff member who lost their phone, with a reason (audited)."""
    current = _current(request)
    aff = _staff_affiliation(request, current, person_id)
    errors: dict[str, list[str]] = {}
    values = {"phone": "", "reason": ""}
    status = 200
    if request.method == "POST":
        values = {"phone": request.POST.get("phone", ""), "reason": request.POST.get("reason", "")}
        try:
            records.reset_practitioner_phone(
                person_id,
                acting_user=request.user,
                institution_id=current.institution.pk,
                phone=values["phone"],
                reason=values["reason"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            render_domain_error(errors, exc, fields=["phone", "reason"])
            status = 400
        else:
            messages.success(request, _t("手机号码已更改，已通知本人。"))
            return redirect(reverse(f"{NS}:roster") + current.query)
    user = getattr(aff.person, "user", None)
    return render(
        request,
        "portals/records/phone_reset.html",
        _base(
            current,
            "roster",
            aff=aff,
            masked_phone=mask_phone(user.phone) if user and user.phone else "",
            errors=errors,
            values=values,
        ),
        status=status,
    )


def _access(request: HttpRequest, person_id: int) -> archive_selectors.ArchiveAccess:
    try:
        access = archive_selectors.archive_access(request.user, person_id, capacity="institution")
    except NotFound as exc:
        raise Http404 from exc
    return access


@require_GET
@institution_page
def person_archive(request: HttpRequest, person_id: int) -> HttpResponse:
    """A practitioner's archive as this institution may see it (its periods of employment only)."""
    current = _current(request)
    access = _access(request, person_id)
    return render(
        request,
        "portals/records/archive_page.html",
        _base(
            current,
            "roster",
            **archive_selectors.archive_data(access),
            limited=True,
            pdf_url=reverse(f"{NS}:person_archive_pdf", args=[person_id]) + current.query,
            back_url=reverse(f"{NS}:roster") + current.query,
        ),
    )


@require_GET
@institution_page
def person_archive_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    access = _access(request, person_id)
    return _pdf_response(request, access)


def _pdf_response(request: HttpRequest, access: archive_selectors.ArchiveAccess) -> HttpResponse:
    content = archive_selectors.archive_pdf(access)
    records.record_archive_export(access.person, acting_user=request.user, fmt="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="archive-{access.person.pk}.pdf"'
    return response


urlpatterns = [
    path("roster/", roster, name="roster"),
    path("roster/export.xlsx", roster_export, name="roster_export"),
    path("applications/batch-confirm/", batch_confirm, name="batch_confirm"),
    path("staff/<int:person_id>/phone/", phone_reset, name="phone_reset"),
    path("staff/<int:person_id>/archive/", person_archive, name="person_archive"),
    path("staff/<int:person_id>/archive.pdf", person_archive_pdf, name="person_archive_pdf"),
]
