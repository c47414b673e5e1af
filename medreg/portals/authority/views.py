"""管理端: the authority portal. The work queue, the application page with its decisions, and the
account administration of an authority admin.

Views only parse input, call a service and render. Reads go through ``for_user``: "act" for the
user's own queue and for every POST, "view" for the read-only 辖区 (subtree) supervision view.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityKind, AuthorityLevel, Role
from medreg.accounts.models import Authority, Membership
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.clock import clock_view
from medreg.applications.models import Application
from medreg.core.errors import DomainError, ErrorItem, NotFound
from medreg.core.masking import mask_phone
from medreg.core.scoping import scope_info
from medreg.institutions.models import Institution
from medreg.portals.institution._shared import attachment_response, form_rows, lines
from medreg.portals.views import NON_FIELD, portal_required, render_domain_error
from medreg.reference.models import Division

PAGE_SIZE = 50
NS = "portals:authority"
QUEUE_STATUSES = (Status.RECEIVED, Status.CORRECTION, Status.ACCEPTED, Status.REVIEWED)
FIELDS = ("comment", "items", "opinion", "recommend", "reason", "grounds")
STAFF_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN)
INSTITUTION_ROLES = (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER)


def _today() -> date:
    """The calendar day in China that clocks are measured against (a seam for tests)."""
    return timezone.localdate()


def _is_authority_admin(user: Any) -> bool:
    return any(r == Role.AUTHORITY_ADMIN and a for r, a, _i in scope_info(user).roles)


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("is_authority_admin", _is_authority_admin(request.user))
    return render(request, template, context, status=status)


# Outside the portal the answer is 404 on every page, as everywhere in the portals.
authority_page = authority_object = portal_required("authority")


def admin_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authority staff who administer at least one authority; everyone else gets 404."""

    @authority_page
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _is_authority_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@authority_page
def home(request: HttpRequest) -> HttpResponse:
    return redirect(f"{NS}:queue")


# -- work queue ---------------------------------------------------------------------------------------
@require_GET
@authority_page
def queue(request: HttpRequest) -> HttpResponse:
    """Open applications to act on, most urgent first; ``?view=subtree`` shows the whole 辖区 read-only."""
    subtree = request.GET.get("view") == "subtree"
    base = Application.objects.for_user(request.user, "view" if subtree else "act", via="authority").filter(
        status__in=QUEUE_STATUSES
    )
    by_status = dict(base.order_by().values_list("status").annotate(n=Count("id")))
    status = request.GET.get("status", "")
    if status not in QUEUE_STATUSES:
        status = ""
    qs = base.filter(status=status) if status else base
    qs = qs.select_related("person", "applicant", "institution", "authority").order_by(
        F("due_on").asc(nulls_last=True), F("received_at").asc(nulls_last=True), "pk"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = _today()
    rows = [{"app": a, "clock": clock_view(a, today=today)} for a in page]
    tabs = [{"status": "", "label": _("全部"), "count": sum(by_status.values())}] + [
        {"status": s.value, "label": s.label, "count": by_status.get(s.value, 0)} for s in QUEUE_STATUSES
    ]
    return _render(request, "portals/authority/queue.html", {
        "section": "subtree" if subtree else "queue", "subtree": subtree, "page": page, "rows": rows,
        "tabs": tabs, "status": status, "view_param": "subtree" if subtree else "",
    })


# -- application page ---------------------------------------------------------------------------------
def _allowed_actions(user: Any, app: Application) -> dict[str, bool]:
    """Which decision forms to show: the user's roles at the deciding authority and the status.

    This only decides what to *show*; the services check again and are the authority.
    """
    info = scope_info(user)
    roles = {r for r, a, _i in info.roles if a == app.authority_id}
    clerk, reviewer, approver = Role.CLERK in roles, Role.REVIEWER in roles, Role.APPROVER in roles
    corrections_left = app.correction_count < settings.MEDREG["CORRECTION_MAX_PER_APPLICATION"]
    return {
        "accept": clerk and app.status == Status.RECEIVED,
        "correction": clerk and app.status in (Status.RECEIVED, Status.ACCEPTED) and corrections_left,
        "review": reviewer and app.status == Status.ACCEPTED,
        "approve": approver and app.status == Status.REVIEWED,
        "refuse": approver and app.status == Status.REVIEWED,
        "extend": approver and app.accepted_on is not None and not app.extension_days
        and app.status in (Status.ACCEPTED, Status.REVIEWED, Status.CORRECTION),
    }


def _findings(app: Application) -> list[str]:
    """What the item's pre-checks find now (不予注册 grounds, a changed registration ...), shown to the
    reviewer and the approver before they decide, and offered as the grounds of a refusal."""
    if app.status not in (Status.RECEIVED, Status.ACCEPTED, Status.REVIEWED):
        return []
    from medreg.applications.services import conflicting_decisions

    problems = app.item.prechecks(app) + conflicting_decisions(app)  # read-only: no row locks outside a decision
    return [p.render() for p in problems]


def _detail(request: HttpRequest, app: Application, *, op: str = "", errors: dict[str, list[str]] | None = None,
            values: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    actions = _allowed_actions(request.user, app)
    timeline = list(app.timeline.all())
    open_pause = next((p for p in app.clock_pauses.all() if p.ended_on is None), None)
    findings = _findings(app)
    if actions.get("refuse") and findings and not (values or {}).get("refuse_grounds"):
        values = {**(values or {}), "refuse_grounds": "\n".join(findings)}
    return _render(request, "portals/authority/application_detail.html", {
        "findings": findings,
        "section": "queue", "application": app, "app": app, "item": app.item, "rows": form_rows(app),
        "attachments": list(app.attachments.all()), "timeline": timeline,
        "clock": clock_view(app, today=_today()), "actions": actions, "any_action": any(actions.values()),
        "correction_items": open_pause.items if open_pause else [],
        "op": op, "errors": errors or {}, "values": values or {},
    }, status=status)


def _viewable(request: HttpRequest) -> Any:
    return Application.objects.for_user(request.user, "view", via="authority").exclude(status=Status.DRAFT).select_related(
        "person", "applicant", "institution", "authority"
    )


@require_GET
@authority_object
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(_viewable(request), pk=pk))


# Error and value keys are "<op>_<field>" (e.g. "correction_items"): several forms share field names,
# the page needs unique ids (#field-correction_items), and a bare "items" key would shadow dict.items
# in templates.
OPERATIONS = {
    "accept": _("已受理，法定办结期限开始计算。"),
    "correction": _("已发出一次性补正告知。"),
    "review": _("审核意见已提交。"),
    "approve": _("已准予许可，电子证照已生成。"),
    "refuse": _("已作出不予许可决定。"),
    "extend": _("办理期限已延长。"),
}


OP_FIELDS = {
    "accept": ("comment",), "correction": ("items", "comment"), "review": ("opinion", "recommend"),
    "approve": ("comment",), "refuse": ("reason", "grounds"), "extend": ("reason",),
}


def _run(op: str, pk: int, user: Any, values: dict[str, str]) -> None:
    """Call the service behind ``op`` with the parsed form values."""
    values = {**dict.fromkeys(FIELDS, ""), **values}
    if op == "accept":
        apps.accept_application(pk, acting_user=user, comment=values["comment"])
    elif op == "correction":
        apps.request_correction(pk, acting_user=user, items=lines(values["items"]), comment=values["comment"])
    elif op == "review":
        apps.review_application(pk, acting_user=user, opinion=values["opinion"], recommend=values["recommend"])
    elif op == "approve":
        apps.approve_application(pk, acting_user=user, comment=values["comment"])
    elif op == "refuse":
        apps.refuse_application(pk, acting_user=user, reason=values["reason"], grounds=lines(values["grounds"]))
    elif op == "extend":
        apps.extend_deadline(pk, acting_user=user, reason=values["reason"])
    else:  # pragma: no cover - the URLconf only routes the names above
        raise Http404


@require_POST
@authority_object
def application_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    """One decision button. Outside the user's "act" scope the application does not exist (404)."""
    if op not in OPERATIONS:
        raise Http404
    app = get_object_or_404(Application.objects.for_user(request.user, "act", via="authority").exclude(status=Status.DRAFT), pk=pk)
    values = {k: request.POST.get(k, "") for k in OP_FIELDS[op]}
    try:
        _run(op, app.pk, request.user, values)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        app = get_object_or_404(_viewable(request), pk=pk)
        keys = {f: f"{op}_{f}" for f in OP_FIELDS[op]}
        errors = render_domain_error(None, exc, fields=keys.values(), field_map=keys)
        shown = {keys[f]: v for f, v in values.items()}
        return _detail(request, app, op=op, errors=errors, values=shown, status=exc.status_code)
    messages.success(request, OPERATIONS[op])
    return redirect(f"{NS}:application", pk=app.pk)


@require_GET
@authority_object
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    app = get_object_or_404(Application.objects.for_user(request.user, "view", via="authority").exclude(status=Status.DRAFT), pk=pk)
    return attachment_response(get_object_or_404(app.attachments, pk=attachment_id))


# -- authority administration -------------------------------------------------------------------------
def _admin_scope(user: Any) -> tuple[list[Authority], list[Authority], list[Institution]]:
    """(authorities the user administers, every authority they may create staff for, institutions those
    authorities licensed)."""
    info = scope_info(user)
    admin_ids = sorted({a for r, a, _i in info.roles if r == Role.AUTHORITY_ADMIN and a})
    own = list(Authority.objects.filter(pk__in=admin_ids).select_related("division"))
    q = Q(pk__in=admin_ids)
    for authority in own:
        q |= Q(division_code__startswith=authority.division_prefix)
    managed = list(Authority.objects.for_user(user, "view").filter(q).select_related("parent").order_by(
        "division_code", "name"
    ))
    licensed = list(Institution.objects.filter(licensing_authority_id__in=admin_ids).order_by("name"))
    return own, managed, licensed


LEVELS_BELOW = {
    AuthorityLevel.NATIONAL: (AuthorityLevel.PROVINCE,),
    AuthorityLevel.PROVINCE: (AuthorityLevel.CITY, AuthorityLevel.COUNTY),
    AuthorityLevel.CITY: (AuthorityLevel.COUNTY,),
    AuthorityLevel.COUNTY: (),
}


def _authority_choices(own: list[Authority]) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    """What the "create a subordinate authority" form offers: the levels below the admin's own, and the
    divisions directly under the admin's division (provinces for a national admin), plus, for a province
    admin, the counties under its cities. Only a short list for the form: the service decides.
    """
    levels: set[str] = set()
    groups: list[dict[str, Any]] = []
    for authority in sorted(own, key=lambda a: a.division_code):
        below = LEVELS_BELOW[AuthorityLevel(authority.level)]
        if not below:
            continue
        levels |= set(below)
        if authority.level == AuthorityLevel.NATIONAL:
            children = Division.objects.current().filter(parent__isnull=True, level=AuthorityLevel.PROVINCE)
        else:
            children = Division.objects.current().filter(parent_id=authority.division_code)
        groups.append({"level": below[0], "label": AuthorityLevel(below[0]).label, "divisions": list(children)})
        if AuthorityLevel.COUNTY in below[1:]:
            counties = Division.objects.current().filter(parent__parent_id=authority.division_code).select_related(
                "parent").order_by("code")
            groups.append({"level": AuthorityLevel.COUNTY, "label": AuthorityLevel.COUNTY.label,
                           "divisions": list(counties), "with_parent": True})
    return [(lv.value, lv.label) for lv in AuthorityLevel if lv in levels], groups


def _admin(request: HttpRequest, *, form: str = "", errors: dict[str, list[str]] | None = None,
           values: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    own, managed, licensed = _admin_scope(request.user)
    authority_levels, division_groups = _authority_choices(own)
    own_ids = {a.pk for a in own}
    staff: OrderedDict[tuple[int, int], dict[str, Any]] = OrderedDict()
    memberships = (
        Membership.objects.filter(authority__in=managed, is_active=True)
        .select_related("user", "authority")
        .order_by("authority__division_code", "authority__name", "user__username", "role")
    )
    for m in memberships:
        row = staff.setdefault((m.authority_id, m.user_id), {
            "user": m.user, "authority": m.authority, "roles": [],
            "phone": mask_phone(m.user.phone) if m.user.phone else "",
        })
        row["roles"].append(Role(m.role).label)
    accounts_by_inst = dict(
        Membership.objects.filter(institution__in=licensed, is_active=True).order_by()
        .values_list("institution").annotate(n=Count("user", distinct=True))
    )
    errors = errors or {}
    values = values or {}
    return _render(request, "portals/authority/admin.html", {
        "section": "admin", "own": own, "subordinates": [a for a in managed if a.pk not in own_ids],
        "managed": managed, "staff": list(staff.values()),
        "institutions": [{"institution": i, "accounts": accounts_by_inst.get(i.pk, 0)} for i in licensed],
        "staff_roles": [(r.value, r.label) for r in STAFF_ROLES],
        "institution_roles": [(r.value, r.label) for r in INSTITUTION_ROLES],
        "own_names": "、".join(a.name for a in own),
        "summary_errors": {(k if k == NON_FIELD else f"{form}_{k}"): v for k, v in errors.items()},
        "staff_errors": errors if form == "staff" else {}, "staff_values": values if form == "staff" else {},
        "institution_errors": errors if form == "institution" else {},
        "institution_values": values if form == "institution" else {},
        "authority_levels": authority_levels, "division_groups": division_groups,
        "authority_kinds": AuthorityKind.choices,
        "authority_errors": errors if form == "authority" else {},
        "authority_values": values if form == "authority" else {"kind": AuthorityKind.COMMISSION},
    }, status=status)


@require_GET
@admin_page
def admin(request: HttpRequest) -> HttpResponse:
    return _admin(request)


AUTHORITY_FIELDS = ("name", "level", "division", "uscc", "kind")


@require_POST
@admin_page
def create_authority(request: HttpRequest) -> HttpResponse:
    """创建下级机关: a commission or approval bureau below one the user administers (the service checks)."""
    values = {k: request.POST.get(k, "").strip() for k in AUTHORITY_FIELDS}
    try:
        if values["kind"] not in AuthorityKind.values:
            raise DomainError(_("请选择机关类型。"), code="required", field="kind")
        authority = accounts.create_authority(
            acting_user=request.user, name=values["name"], level=values["level"],
            division_code=values["division"] or None, uscc=values["uscc"], kind=values["kind"],
        )
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=AUTHORITY_FIELDS, field_map={"division_code": "division"})
        return _admin(request, form="authority", errors=errors, values=values, status=exc.status_code)
    messages.success(request, _t("已创建下级机关“%(name)s”。") % {"name": authority.name})
    return redirect(f"{NS}:admin")


ACCOUNT_FIELDS = ("username", "real_name", "phone", "password", "roles")


def _account_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "username": post.get("username", "").strip(), "real_name": post.get("real_name", "").strip(),
        "phone": post.get("phone", "").strip(), "roles": post.getlist("roles"),
        "authority": post.get("authority", ""), "institution": post.get("institution", ""),
    }


@require_POST
@admin_page
def create_staff(request: HttpRequest) -> HttpResponse:
    values = _account_values(request)
    _own, managed, _licensed = _admin_scope(request.user)
    authority = next((a for a in managed if str(a.pk) == values["authority"]), None)
    try:
        if authority is None:
            raise DomainError(_("请选择本机关或下级机关。"), code="required", field="authority")
        user = accounts.create_staff_account(
            acting_user=request.user, authority=authority, username=values["username"],
            real_name=values["real_name"], password=request.POST.get("password", ""), roles=values["roles"],
            phone=values["phone"],
        )
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=ACCOUNT_FIELDS + ("authority",))
        return _admin(request, form="staff", errors=errors, values=values, status=exc.status_code)
    messages.success(request, _t("已为%(authority)s创建人员账户“%(username)s”。") % {
        "authority": authority.name, "username": user.username})
    return redirect(f"{NS}:admin")


@require_POST
@admin_page
def create_institution_account(request: HttpRequest) -> HttpResponse:
    values = _account_values(request)
    _own, _managed, licensed = _admin_scope(request.user)
    institution = next((i for i in licensed if str(i.pk) == values["institution"]), None)
    try:
        if institution is None:
            raise DomainError(errors=[ErrorItem("required", _("请选择本机关批准的医疗机构。"), field="institution")])
        user = accounts.create_institution_account(
            acting_user=request.user, institution=institution, username=values["username"],
            real_name=values["real_name"], password=request.POST.get("password", ""), roles=values["roles"],
            phone=values["phone"],
        )
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=ACCOUNT_FIELDS + ("institution",))
        return _admin(request, form="institution", errors=errors, values=values, status=exc.status_code)
    messages.success(request, _t("已为%(institution)s创建机构账户“%(username)s”。") % {
        "institution": institution.name, "username": user.username})
    return redirect(f"{NS}:admin")
