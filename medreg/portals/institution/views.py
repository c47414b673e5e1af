"""机构端: the institution portal. Staff activation, the confirmation queue and the staff roster.

Views only parse input, call a service and render. Every read goes through ``for_user`` and is
narrowed to the institution the user picked among their own memberships (``?inst=<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from medreg.accounts.choices import ActivationMode, Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.core.errors import DomainError, NotFound
from medreg.core.errors import PermissionDenied as DomainPermissionDenied
from medreg.core.masking import mask_phone
from medreg.core.scoping import scope_info
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus
from medreg.people.models import Affiliation
from medreg.portals.institution._shared import attachment_response, code_label, form_rows, is_htmx
from medreg.portals.views import portal_required, render_domain_error

PAGE_SIZE = 50
NS = "portals:institution"

# Not institution staff: 404 on every page (the portal's existence does not leak, and it is consistent).
institution_page = institution_object = portal_required("institution")


@dataclass
class Current:
    """The institution the user is working for on this request, and the ones they may switch to."""

    institution: Institution
    choices: list[Institution] = field(default_factory=list)
    is_admin: bool = False

    @property
    def query(self) -> str:
        """``?inst=<id>`` to carry the choice along links, only when there is a choice to carry."""
        return f"?inst={self.institution.pk}" if len(self.choices) > 1 else ""


def _current(request: HttpRequest) -> Current:
    info = scope_info(request.user)
    choices = list(Institution.objects.filter(pk__in=sorted(info.institution_ids)).order_by("name"))
    raw = request.POST.get("inst") or request.GET.get("inst")
    if raw:
        chosen = next((i for i in choices if str(i.pk) == raw.strip()), None)
        if chosen is None:
            raise Http404
    else:
        chosen = choices[0]
    return Current(chosen, choices, info.has_role(Role.INSTITUTION_ADMIN, institution_id=chosen.pk))


def _url(name: str, current: Current, *args: Any) -> str:
    return reverse(f"{NS}:{name}", args=args) + current.query


def _base(current: Current, section: str, **extra: Any) -> dict[str, Any]:
    return {"current": current, "institution": current.institution, "section": section, **extra}


# -- home ---------------------------------------------------------------------------------------------
@require_GET
@institution_page
def home(request: HttpRequest) -> HttpResponse:
    current = _current(request)
    inst = current.institution
    pending = Affiliation.objects.for_user(request.user, "view", via="institution").filter(
        institution=inst, status=AffiliationStatus.PENDING
    ).count()
    counts = Application.objects.for_user(request.user, "view", via="institution").filter(institution=inst).aggregate(
        submitted=Count("id", filter=Q(status=Status.SUBMITTED)),
        in_progress=Count("id", filter=Q(status__in=[Status.RECEIVED, Status.CORRECTION, Status.ACCEPTED,
                                                     Status.REVIEWED])),
    )
    staff = Affiliation.objects.for_user(request.user, "view", via="institution").filter(
        institution=inst, status=AffiliationStatus.ACTIVE
    ).count()
    return render(request, "portals/institution/home.html", _base(
        current, "home", pending_activations=pending, staff_count=staff, **counts,
    ))


# -- staff activation ---------------------------------------------------------------------------------
def _pending(request: HttpRequest, current: Current) -> Any:
    return (
        Affiliation.objects.for_user(request.user, "view", via="institution")
        .filter(institution=current.institution, status=AffiliationStatus.PENDING)
        .select_related("person__user")
    )


def _activation_row(aff: Affiliation) -> dict[str, Any]:
    person = aff.person
    user = getattr(person, "user", None)
    return {
        "aff": aff,
        "name": person.name,
        "gender": code_label("gender", person.gender),
        "phone": mask_phone(user.phone) if user is not None and user.phone else "",
    }


@require_GET
@institution_page
def staff(request: HttpRequest) -> HttpResponse:
    current = _current(request)
    rows = [_activation_row(a) for a in _pending(request, current).order_by("requested_at", "pk")]
    return render(request, "portals/institution/staff.html", _base(
        current, "staff", rows=rows, modes=ActivationMode.choices,
    ))


@require_POST
@institution_object
def send_code(request: HttpRequest, pk: int) -> HttpResponse:
    """发送激活码 for one pending request; htmx swaps the row, a plain POST redirects back."""
    current = _current(request)
    aff = Affiliation.objects.for_user(request.user, "view", via="institution").filter(
        institution=current.institution
    ).select_related("person__user").filter(pk=pk).first()
    if aff is None:
        raise Http404
    error = ""
    try:
        aff = people.send_activation_code(aff.pk, acting_user=request.user)
    except (NotFound, DomainPermissionDenied):
        raise Http404 from None
    except DomainError as exc:
        error = " ".join(exc.messages())
    if is_htmx(request):
        return render(request, "portals/institution/_activation_row.html", {
            "row": _activation_row(aff), "current": current, "sent": not error, "error": error,
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _t("已向%(name)s发送激活码。") % {"name": aff.person.name})
    return redirect(_url("staff", current))


@require_POST
@institution_object
def activation_mode(request: HttpRequest) -> HttpResponse:
    current = _current(request)
    try:
        institutions.set_activation_mode(
            current.institution.pk, acting_user=request.user, mode=request.POST.get("activation_mode", "")
        )
    except (NotFound, DomainPermissionDenied):
        raise Http404 from None
    except DomainError as exc:
        for message in exc.messages():
            messages.error(request, message)
    else:
        messages.success(request, _t("激活方式已更新。"))
    return redirect(_url("staff", current))


# -- confirmation queue -------------------------------------------------------------------------------
def _applications(request: HttpRequest) -> Any:
    """Applications of the user's institutions; drafts are the applicant's own business.

    Narrowed to the institutions explicitly: a user who is also authority staff must not see the
    authority's subtree through this portal.
    """
    ids = sorted(scope_info(request.user).institution_ids)
    return Application.objects.for_user(request.user, "view", via="institution").filter(
        Q(institution_id__in=ids) | Q(co_institution_id__in=ids)  # the old main institution confirms a move too
    ).exclude(status=Status.DRAFT)


@require_GET
@institution_page
def applications(request: HttpRequest) -> HttpResponse:
    current = _current(request)
    qs = _applications(request).filter(Q(institution=current.institution) | Q(co_institution=current.institution))
    status = request.GET.get("status", "")
    if status and status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    qs = qs.select_related("person", "applicant").annotate(
        waiting=Case(When(status=Status.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("waiting", "-submitted_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portals/institution/applications.html", _base(
        current, "applications", page=page, status=status,
        statuses=[(s.value, s.label) for s in Status if s != Status.DRAFT],
    ))


def _get_application(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        _applications(request).select_related("person", "applicant", "institution", "authority"), pk=pk
    )


def _detail(request: HttpRequest, app: Application, *, errors: dict[str, list[str]] | None = None,
            values: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    current = _current_for(request, app)
    info = scope_info(request.user)

    def staff_at(inst_id: int | None) -> bool:
        return inst_id is not None and any(
            info.has_role(r, institution_id=inst_id) for r in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER))

    # each of the (one or two) confirming institutions decides once
    can_decide = app.status == Status.SUBMITTED and (
        (staff_at(app.institution_id) and app.institution_confirmed_at is None)
        or (staff_at(app.co_institution_id) and app.co_confirmed_at is None)
    )
    return render(request, "portals/institution/application_detail.html", _base(
        current, "applications", application=app, app=app, item=app.item, rows=form_rows(app),
        attachments=list(app.attachments.all()), timeline=list(app.timeline.all()),
        can_decide=can_decide, errors=errors or {}, values=values or {"comment": "", "reason": ""},
    ), status=status)


def _current_for(request: HttpRequest, app: Application) -> Current:
    """The current institution is the application's own (the user is staff there, or it'd be 404)."""
    info = scope_info(request.user)
    choices = list(Institution.objects.filter(pk__in=sorted(info.institution_ids)).order_by("name"))
    inst = next((i for i in choices if i.pk in (app.institution_id, app.co_institution_id)), choices[0])
    return Current(inst, choices, info.has_role(Role.INSTITUTION_ADMIN, institution_id=inst.pk))


@require_GET
@institution_object
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_application(request, pk))


def _decide(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    app = _get_application(request, pk)
    values = {k: request.POST.get(k, "") for k in ("comment", "reason")}
    try:
        if op == "confirm":
            apps.confirm_by_institution(app.pk, acting_user=request.user, comment=values["comment"])
            messages.success(request, _t("已确认，申请已报送卫生健康行政部门。"))
        else:
            apps.return_by_institution(app.pk, acting_user=request.user, reason=values["reason"])
            messages.success(request, _t("已退回申请人。"))
    except (NotFound, DomainPermissionDenied):
        raise Http404 from None
    except DomainError as exc:
        app.refresh_from_db()
        errors = render_domain_error(None, exc, fields=("comment", "reason"))
        return _detail(request, app, errors=errors, values=values, status=exc.status_code)
    current = _current_for(request, app)
    return redirect(_url("application", current, app.pk))


@require_POST
@institution_object
def application_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "confirm")


@require_POST
@institution_object
def application_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "return")


@require_GET
@institution_object
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    app = get_object_or_404(_applications(request), pk=pk)
    return attachment_response(get_object_or_404(app.attachments, pk=attachment_id))
