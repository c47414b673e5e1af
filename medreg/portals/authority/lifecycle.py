"""管理端 pages of the lifecycle stream: the system's 注销 proposals (中止执业满二年, 死亡) to decide, and
注销 on the commission's own findings.

Views parse input, call a service in :mod:`medreg.people.lifecycle` and render. Lists read through
``for_user(..., via="authority")``; every POST is re-checked by the service (404 outside the authority
that granted the registration, 403 without the 决定 role).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medreg.accounts.choices import Role
from medreg.core.errors import DomainError
from medreg.core.scoping import scope_info
from medreg.people import lifecycle
from medreg.people.choices_lifecycle import ProposalStatus
from medreg.people.models import CancellationProposal, PracticeRegistration
from medreg.portals.authority.views import _render
from medreg.portals.views import portal_required, raise_for_scope, render_domain_error
from medreg.reference import selectors as ref

NS = "portals:authority"
authority_page = portal_required("authority")


def _ground_label(code: str) -> str:
    return ref.code_name(lifecycle.GROUND_TABLE, code)


def _is_approver(user: Any, authority_id: int) -> bool:
    return scope_info(user).has_role(Role.APPROVER, authority_id=authority_id)


@require_GET
@authority_page
def proposals(request: HttpRequest) -> HttpResponse:
    """Proposals in the jurisdiction; open ones first. Approvers of the granting authority may decide."""
    status = request.GET.get("status", ProposalStatus.OPEN)
    if status not in ProposalStatus.values and status != "all":
        status = ProposalStatus.OPEN
    qs = CancellationProposal.objects.for_user(request.user, "view", via="authority").select_related(
        "registration__main_institution", "person", "departure", "authority"
    )
    if status != "all":
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("proposed_at", "pk"), 50).get_page(request.GET.get("page"))
    rows = [
        {"p": p, "grounds": "、".join(_ground_label(g) for g in p.grounds),
         "can_decide": p.status == ProposalStatus.OPEN and _is_approver(request.user, p.authority_id)}
        for p in page
    ]
    return _render(request, "portals/lifecycle/authority_proposals.html", {
        "section": "lifecycle", "rows": rows, "page": page, "status": status,
        "statuses": [(s.value, s.label) for s in ProposalStatus],
    })


@require_POST
@authority_page
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    try:
        lifecycle.decide_cancellation_proposal(pk, acting_user=request.user, accept=accept,
                                               reason=request.POST.get("reason", ""))
    except DomainError as exc:
        raise_for_scope(exc)
        for message in exc.messages():
            messages.error(request, message)
        return redirect(f"{NS}:lifecycle_proposals")
    messages.success(request, _t("已注销该执业注册。") if accept else _t("已决定不予注销。"))
    return redirect(f"{NS}:lifecycle_proposals")


@require_http_methods(["GET", "POST"])
@authority_page
def cancel(request: HttpRequest) -> HttpResponse:
    """依职权注销: find a registration the user's authority granted by 执业证书编码, then cancel it."""
    number = (request.GET.get("certificate_no") or request.POST.get("certificate_no") or "").strip()[:32]
    reg = None
    if number:
        reg = (
            PracticeRegistration.objects.for_user(request.user, "act", via="authority")
            .filter(certificate_no=number, status__in=lifecycle.LIVE_STATUSES)
            .select_related("person", "main_institution").first()
        )
    errors: dict[str, list[str]] = {}
    grounds: list[str] = request.POST.getlist("grounds")
    reason: str = request.POST.get("reason", "")
    values: dict[str, Any] = {"grounds": grounds, "reason": reason}
    status = 200
    if request.method == "POST":
        if reg is None:
            errors["certificate_no"] = [_t("未找到本机关准予的有效执业注册。")]
            status = 400
        else:
            try:
                lifecycle.cancel_registration_by_authority(reg.pk, acting_user=request.user,
                                                           grounds=grounds, reason=reason)
            except DomainError as exc:
                raise_for_scope(exc)
                render_domain_error(errors, exc, fields=["grounds", "reason"])
                status = 400
            else:
                messages.success(request, _t("执业注册%(no)s已注销，电子证照已废止。") % {"no": reg.certificate_no})
                return redirect(f"{NS}:lifecycle_proposals")
    options = [(c.code, c.label(request.LANGUAGE_CODE)) for c in ref.codes(lifecycle.GROUND_TABLE)
               if c.code in lifecycle.ground_codes("authority")]
    return _render(request, "portals/lifecycle/authority_cancel.html", {
        "section": "lifecycle", "number": number, "reg": reg, "options": options, "values": values,
        "form_errors": errors, "searched": bool(number),
    }, status)


urlpatterns = [
    path("lifecycle/proposals/", proposals, name="lifecycle_proposals"),
    path("lifecycle/proposals/<int:pk>/decide/", decide, name="lifecycle_decide"),
    path("lifecycle/cancel/", cancel, name="lifecycle_cancel"),
]
