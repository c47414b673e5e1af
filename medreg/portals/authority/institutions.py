"""管理端 · institutions (inst stream): an institution's licence data, 校验 and 历史沿革; the overdue
校验 list; recording the 不予登记 checks of a 执业登记 application; deciding 暂缓校验.

Views only parse input, call a service in :mod:`medreg.institutions.services` and render. Reads go
through ``for_user`` (404 outside the jurisdiction); writes re-check scope and role in the service.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medreg.accounts.models import User
from medreg.applications.models import Application
from medreg.core.errors import DomainError, NotFound
from medreg.core.errors import PermissionDenied as DomainPermissionDenied
from medreg.institutions import selectors
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution, RegistrationCheck
from medreg.portals.institution._shared import code_label
from medreg.portals.views import portal_required

authority_page = portal_required("authority")
NS = "portals:authority"


def _user(request: HttpRequest) -> User:
    """The signed-in user (``authority_page`` has already turned anonymous requests away)."""
    assert isinstance(request.user, User)
    return request.user


@require_GET
@authority_page
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inst = Institution.objects.for_user(request.user, "view", via="authority").filter(pk=pk).first()
    if inst is None:
        raise Http404
    return render(request, "portals/authority/institution_detail.html", {
        "institution": inst,
        "category": code_label("institution_category", inst.category_code),
        "subjects": [code_label("clinical_subject", c) for c in inst.subjects.values_list("code", flat=True)],
        "verification": selectors.verification_status(inst, today=timezone.localdate()),
        "records": selectors.verification_records(inst),
        "history": list(selectors.history(inst, request.user)),
    })


@require_GET
@authority_page
def overdue(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.overdue_verifications(request.user, today=timezone.localdate())[:500])
    return render(request, "portals/authority/institutions_overdue.html", {"rows": rows, "section": "institutions"})


def _application(request: HttpRequest, pk: int, item_code: str) -> Application:
    app = Application.objects.for_user(request.user, "act", via="authority").filter(pk=pk, item_code=item_code).first()
    if app is None:
        raise Http404
    return app


@require_http_methods(["GET", "POST"])
@authority_page
def registration_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """不予登记 checklist for a 执业登记 application: one pass/fail per ground the authority checks."""
    app = _application(request, pk, "INST-REG-PRACTICE")
    grounds = institutions.authority_grounds()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        results = {g: request.POST.get(f"ground_{g}") == "pass" for g in grounds if request.POST.get(f"ground_{g}")}
        notes = {g: request.POST.get(f"note_{g}", "") for g in grounds}
        try:
            institutions.record_registration_checks(app.pk, acting_user=_user(request), results=results, notes=notes)
        except NotFound:
            raise Http404 from None
        except DomainPermissionDenied as exc:
            errors, status = [e.render() for e in exc.errors], 403
        except DomainError as exc:
            errors, status = [e.render() for e in exc.errors], 400
        else:
            messages.success(request, _t("核查结果已保存。"))
            return redirect(reverse(f"{NS}:application", args=[app.pk]))
    found = {c.ground: c for c in RegistrationCheck.objects.for_user(request.user, "view").filter(application_id=app.pk)}
    rows = [{"code": g, "label": code_label("institution_refusal_ground", g), "check": found.get(g)} for g in grounds]
    return render(request, "portals/authority/registration_checks.html",
                  {"app": app, "rows": rows, "errors": errors}, status=status)


@require_POST
@authority_page
def defer_verification(request: HttpRequest, pk: int) -> HttpResponse:
    """暂缓校验 decision on a 校验 application (1–6 months, with reasons)."""
    app = _application(request, pk, "INST-VERIFY")
    try:
        months = int(request.POST.get("months", "0"))
    except ValueError:
        months = 0
    try:
        institutions.defer_verification(app.pk, acting_user=_user(request), months=months,
                                        reason=request.POST.get("reason", ""))
    except NotFound:
        raise Http404 from None
    except (DomainError, DomainPermissionDenied) as exc:
        for e in exc.errors:
            messages.error(request, e.render())
    else:
        messages.success(request, _t("已作出暂缓校验决定。"))
    return redirect(reverse(f"{NS}:application", args=[app.pk]))


urlpatterns = [
    path("institutions/<int:pk>/", institution_detail, name="institution_detail"),
    path("institutions/overdue/", overdue, name="institutions_overdue"),
    path("applications/<int:pk>/registration-checks/", registration_checks, name="registration_checks"),
    path("applications/<int:pk>/defer-verification/", defer_verification, name="defer_verification"),
]
