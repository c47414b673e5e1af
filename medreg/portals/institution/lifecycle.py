"""机构端 pages of the lifecycle stream: items the institution files itself (注销报告, 离岗备案) and the
approval of staff's 个人信息更新, which the institution alone decides.

Views parse input, call a service and render. Reads go through ``for_user(..., via="institution")`` and are
narrowed to the institution the user works for on this request; anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medreg.applications import services as apps
from medreg.applications.choices import FINAL, Status
from medreg.applications.items import all_items, get_item
from medreg.applications.items.base import BusinessItem
from medreg.applications.models import Application
from medreg.core.errors import DomainError
from medreg.people import lifecycle
from medreg.portals.institution._shared import form_rows
from medreg.portals.institution.views import Current, _base, _current, institution_page
from medreg.portals.views import raise_for_scope, render_domain_error
from medreg.reference import selectors as ref

NS = "portals:institution"
INFO_UPDATE = "PHY-INFO-UPDATE"
EDITABLE = (Status.DRAFT, Status.RETURNED, Status.CORRECTION)


def _staff_items() -> list[BusinessItem]:
    """Items institution staff file about their practitioners (physician or nurse subject)."""
    return [i for i in all_items() if i.applicant == "institution" and str(i.subject) in ("physician", "nurse")]


def _item(code: str) -> BusinessItem:
    try:
        item = get_item(code)
    except DomainError:
        raise Http404 from None
    if item not in _staff_items():
        raise Http404
    return item


def _url(name: str, current: Current, *args: Any) -> str:
    return reverse(f"{NS}:{name}", args=args) + current.query


def _field_views(request: HttpRequest, item: BusinessItem, current: Current, values: dict[str, Any],
                 errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The item's fields for ``portals/_field.html``: registrations of this institution's staff only."""
    out = []
    for spec in item.fields:
        view: dict[str, Any] = {
            "name": spec.name, "label": spec.label, "help": spec.help_text, "required": spec.required,
            "value": values.get(spec.name, ""), "errors": errors.get(spec.name, []), "type": "text",
            "options": [], "maxlength": spec.max_length,
        }
        if spec.kind == "registration":
            regs = lifecycle.registrations_for(request.user, via="institution").filter(
                main_institution=current.institution, status__in=lifecycle.LIVE_STATUSES
            ).order_by("person__name")
            view |= {"type": "select", "options": [(str(r.pk), f"{r.person.name} · {r.certificate_no}") for r in regs]}
        elif spec.kind == "choice" and spec.choices_table:
            codes = ref.codes(spec.choices_table)
            if spec.choices_table == lifecycle.GROUND_TABLE:
                allowed = lifecycle.ground_codes("institution")
                codes = [c for c in codes if c.code in allowed]
            view |= {"type": "select", "options": [(c.code, c.label(request.LANGUAGE_CODE)) for c in codes]}
        elif spec.kind == "date":
            view["type"] = "date"
        elif spec.kind == "boolean":
            view |= {"type": "checkbox", "value": values.get(spec.name) in (True, "on", "true", "1")}
        elif spec.max_length and spec.max_length > 200:
            view["type"] = "textarea"
        out.append(view)
    return out


def _parse(item: BusinessItem, post: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in item.fields:
        if spec.kind == "boolean":
            data[spec.name] = post.get(spec.name) in ("on", "true", "1")
        else:
            data[spec.name] = (post.get(spec.name) or "").strip()
    return data


# -- overview --------------------------------------------------------------------------------------------
@require_GET
@institution_page
def home(request: HttpRequest) -> HttpResponse:
    """The staff items, this user's filings, and the 个人信息更新 waiting for the institution's approval."""
    current = _current(request)
    mine = (
        Application.objects.for_user(request.user, "view", via="institution")
        .filter(institution=current.institution, applicant=request.user,
                item_code__in=[i.code for i in _staff_items()])
        .select_related("person").order_by("-created_at")[:50]
    )
    updates = (
        Application.objects.for_user(request.user, "view", via="institution")
        .filter(institution=current.institution, item_code=INFO_UPDATE, status=Status.SUBMITTED)
        .select_related("person").order_by("submitted_at")
    )
    return render(request, "portals/lifecycle/institution_home.html", _base(
        current, "lifecycle", items=_staff_items(), mine=list(mine),
        updates=[{"app": a, "rows": form_rows(a)} for a in updates],
    ))


@require_http_methods(["GET", "POST"])
@institution_page
def apply(request: HttpRequest, item_code: str) -> HttpResponse:
    current = _current(request)
    item = _item(item_code)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = _parse(item, request.POST)
        try:
            app = apps.create_application(item.code, acting_user=request.user, data=values)
        except DomainError as exc:
            raise_for_scope(exc)
            render_domain_error(errors, exc, fields=[f.name for f in item.fields])
            status = 400
        else:
            messages.success(request, _t("已保存草稿（申请编号 %(number)s），核对后请提交。") % {"number": app.number})
            return redirect(_url("lifecycle_application", current, app.pk))
    return render(request, "portals/lifecycle/institution_apply.html", _base(
        current, "lifecycle", item=item, fields=_field_views(request, item, current, values, errors),
        form_errors=errors,
    ), status=status)


def _own(request: HttpRequest, pk: int) -> tuple[Current, Application]:
    current = _current(request)
    app = (
        Application.objects.for_user(request.user, "view", via="institution")
        .filter(pk=pk, applicant=request.user, institution=current.institution,
                item_code__in=[i.code for i in _staff_items()])
        .select_related("person", "authority").first()
    )
    if app is None:
        raise Http404
    return current, app


def _kind_label(item: BusinessItem, kind: str) -> str:
    """The material kind's label, also for the lifecycle kinds that ``Attachment.kind`` does not list."""
    for spec in item.attachments:
        if str(spec.kind) == kind:
            return str(spec.kind.label)
    return kind


def _detail(request: HttpRequest, current: Current, app: Application, errors: dict[str, list[str]] | None = None,
            status: int = 200) -> HttpResponse:
    return render(request, "portals/lifecycle/institution_application.html", _base(
        current, "lifecycle", app=app, item=app.item, rows=form_rows(app), form_errors=errors or {},
        attachments=[(a, _kind_label(app.item, a.kind)) for a in app.attachments.all()], editable=app.status in EDITABLE,
        can_withdraw=app.status not in FINAL, timeline=list(app.timeline.all()),
    ), status=status)


@require_GET
@institution_page
def application(request: HttpRequest, pk: int) -> HttpResponse:
    current, app = _own(request, pk)
    return _detail(request, current, app)


@require_POST
@institution_page
def application_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    """Upload a material, submit or withdraw one of this user's own filings."""
    current, app = _own(request, pk)
    try:
        if op == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError(_t("请选择要上传的文件。"), code="required", field="file")
            apps.add_attachment(app.pk, acting_user=request.user, kind=request.POST.get("kind", ""),
                                filename=upload.name or "file", content=upload.read())
            done = _t("材料已上传。")
        elif op == "submit":
            apps.submit_application(app.pk, acting_user=request.user)
            done = _t("已提交，等待卫生健康行政部门受理。")
        elif op == "withdraw":
            apps.withdraw_application(app.pk, acting_user=request.user, reason=request.POST.get("reason", ""))
            done = _t("申请已撤回。")
        else:
            raise Http404
    except DomainError as exc:
        raise_for_scope(exc)
        app.refresh_from_db()
        return _detail(request, current, app, render_domain_error(None, exc, fields=["file", "kind"]), status=400)
    messages.success(request, done)
    return redirect(_url("lifecycle_application", current, app.pk))


@require_POST
@institution_page
def approve_info_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution approves a staff member's 个人信息更新; it takes effect now."""
    current = _current(request)
    try:
        app = lifecycle.approve_info_update_by_institution(pk, acting_user=request.user,
                                                           comment=request.POST.get("comment", ""))
    except DomainError as exc:
        raise_for_scope(exc)
        for message in exc.messages():
            messages.error(request, message)
        return redirect(_url("lifecycle", current))
    messages.success(request, _t("已审核通过 %(number)s，个人信息已更新。") % {"number": app.number})
    return redirect(_url("lifecycle", current))


urlpatterns = [
    path("lifecycle/", home, name="lifecycle"),
    path("lifecycle/apply/<str:item_code>/", apply, name="lifecycle_apply"),
    path("lifecycle/applications/<int:pk>/", application, name="lifecycle_application"),
    path("lifecycle/applications/<int:pk>/<str:op>/", application_action, name="lifecycle_action"),
    path("lifecycle/info-updates/<int:pk>/approve/", approve_info_update, name="lifecycle_approve_info"),
]
