"""The individual portal (``/portal/me/``): a physician's or nurse's own account, applications, archive
and e-licences.

Every view parses input, calls a service and renders. Every read is the person's own: applications
through ``Application.objects.for_user`` plus ``applicant=user``, licences through
``ELicence.objects.for_user`` plus ``person=...``, notifications through the user's own inbox.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medreg.applications import services as apps
from medreg.applications.choices import FINAL, AttachmentKind, Status
from medreg.applications.clock import clock_view
from medreg.applications.items import all_items, get_item
from medreg.applications.models import Application, Attachment
from medreg.core.errors import DomainError
from medreg.institutions.services import search_institutions
from medreg.licences import cose
from medreg.licences.choices import LicenceStatus
from medreg.licences.models import ELicence
from medreg.notifications import services as notify
from medreg.notifications.models import Notification
from medreg.people import selectors as people_selectors
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus
from medreg.portals.individual import forms
from medreg.portals.views import (
    NON_FIELD,
    attachment_response,
    portal_required,
    raise_for_scope,
    render_domain_error,
)

EDITABLE = (Status.DRAFT, Status.RETURNED, Status.CORRECTION)
def _search_field_names() -> set[str]:
    """Radio names an institution search may fill: the activation form's, and every item's institution fields."""
    from medreg.applications.items import all_items

    return {"institution_id"} | {f.name for item in all_items() for f in item.fields if f.kind == "institution"}


def _institution_query(item: Any, post: Any) -> str:
    """The no-JavaScript search box of the item's institution field(s) that was filled in."""
    for spec in item.fields:
        if spec.kind == "institution" and (post.get(f"{spec.name}_q") or "").strip():
            return str(post.get(f"{spec.name}_q")).strip()
    return ""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _items_for(person: Any) -> list[Any]:
    """Business items a person may apply for: individual items of a profession they are qualified in."""
    professions = set(person.qualifications.values_list("profession", flat=True))
    return [
        i for i in all_items()
        if i.applicant == "individual" and str(i.subject) in professions and i.offered_to(person)
    ]


# -- dashboard and activation --------------------------------------------------------------------------
def _dashboard_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user = request.user
    person = user.person
    affiliations = people_selectors.open_affiliations(person)
    inbox = list(Notification.objects.filter(user=user).order_by("-created_at")[:10])
    open_apps = list(
        Application.objects.for_user(user, "view", via="person")
        .filter(applicant=user)
        .exclude(status__in=list(FINAL))
        .select_related("institution")
        .order_by("-created_at")[:5]
    )
    context = {
        "person": person,
        "affiliations": affiliations,
        "pending": [a for a in affiliations if a.status == AffiliationStatus.PENDING],
        "active": [a for a in affiliations if a.status == AffiliationStatus.ACTIVE],
        "inbox": inbox,
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "items": _items_for(person),
        "registrations": people_selectors.registrations_with_sites(person),
        "open_apps": open_apps,
        "search_q": "",
        "search_results": None,
        "activation_errors": {},
        "code_errors": {},
        "section": "home",
    }
    return {**context, **extra}


@portal_required("individual")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "portals/individual/dashboard.html", _dashboard_context(request))


@portal_required("individual")
@require_GET
def institution_search(request: HttpRequest) -> HttpResponse:
    """htmx: institutions matching ``q`` as radio options named ``name`` (public data)."""
    name = request.GET.get("name", "institution_id")
    if name not in _search_field_names():
        name = "institution_id"
    q = (request.GET.get("q") or request.GET.get(f"{name}_q") or "").strip()
    results = search_institutions(q, limit=20)
    return render(
        request,
        "portals/individual/_institution_options.html",
        {"results": results, "name": name, "q": q, "searched": True},
    )


@portal_required("individual")
@require_POST
def request_activation(request: HttpRequest) -> HttpResponse:
    """Ask an institution to activate the account (searching first when no institution is chosen)."""
    q = (request.POST.get("q") or "").strip()
    institution_id = request.POST.get("institution_id")
    if request.POST.get("action") == "search" or not institution_id:
        errors: dict[str, list[str]] = {}
        if request.POST.get("action") != "search" and not institution_id:
            errors["institution_id"] = [gettext("请先搜索并选择一家医疗机构。")]
        results = search_institutions(q, limit=20)
        ctx = _dashboard_context(request, search_q=q, search_results=results, activation_errors=errors)
        return render(request, "portals/individual/dashboard.html", ctx, status=400 if errors else 200)
    try:
        aff = people.request_activation(acting_user=request.user, institution_id=int(institution_id))
    except (DomainError, ValueError) as exc:
        errs: dict[str, list[str]] = {}
        if isinstance(exc, DomainError):
            raise_for_scope(exc)
            render_domain_error(errs, exc, field_map={"institution": "institution_id"})
        else:
            errs["institution_id"] = [gettext("请从搜索结果中选择一家正在执业的医疗机构。")]
        ctx = _dashboard_context(
            request, search_q=q, search_results=search_institutions(q, limit=20), activation_errors=errs
        )
        return render(request, "portals/individual/dashboard.html", ctx, status=400)
    if aff.status == AffiliationStatus.ACTIVE:
        messages.success(request, gettext("您在“%(name)s”的账户已激活。") % {"name": aff.institution.name})
    else:
        messages.success(
            request,
            gettext("已向“%(name)s”提交激活申请。机构发送激活码后，请在本页输入激活码。")
            % {"name": aff.institution.name},
        )
    return redirect("portals:individual:dashboard")


@portal_required("individual")
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Enter the activation code an institution sent (the code's notification links here)."""
    errors: dict[str, list[str]] = {}
    values = {"institution_id": request.POST.get("institution_id", ""), "code": ""}
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()
        try:
            inst_id = int(values["institution_id"])
        except (TypeError, ValueError):
            errors["institution_id"] = [gettext("请选择要激活的执业机构。")]
        else:
            try:
                aff = people.activate_with_code(acting_user=request.user, institution_id=inst_id, code=code)
            except DomainError as exc:
                render_domain_error(errors, exc, field_map={"institution": "institution_id"})
            else:
                messages.success(
                    request,
                    gettext("账户已激活：%(name)s。现在可以办理执业注册等业务。")
                    % {"name": aff.institution.name},
                )
                return redirect("portals:individual:dashboard")
    ctx = _dashboard_context(request, code_errors=errors, code_values=values, section="activate")
    return render(request, "portals/individual/activate.html", ctx, status=400 if errors else 200)


# -- notifications ----------------------------------------------------------------------------------
@portal_required("individual")
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    inbox = list(Notification.objects.filter(user=request.user).order_by("-created_at")[:200])
    return render(
        request, "portals/individual/notifications.html", {"inbox": inbox, "section": "notifications"}
    )


@portal_required("individual")
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notify.mark_read(pk, acting_user=request.user)
    if _is_htmx(request):
        note = Notification.objects.filter(user=request.user, pk=pk).first()
        if note is None:
            raise Http404
        return render(request, "portals/individual/_notification.html", {"n": note})
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "portals:individual:notifications"
    return redirect(target)


# -- applying ---------------------------------------------------------------------------------------
def _individual_item(code: str) -> Any:
    try:
        item = get_item(code)
    except DomainError:
        raise Http404 from None
    if item.applicant != "individual":
        raise Http404
    return item


def _stringify(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, list | bool) else ("" if v is None else str(v))) for k, v in values.items()
    }


@portal_required("individual")
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, item_code: str) -> HttpResponse:
    """Start an application: the item's form, prefilled from the archive; saving creates the draft."""
    item = _individual_item(item_code)
    user = request.user
    person = user.person
    errors: dict[str, list[str]] = {}
    search_results = None
    search_q = ""
    status = 200
    if request.method == "POST":
        values = forms.parse_item_data(item, request.POST)
        search_q = _institution_query(item, request.POST)
        if request.POST.get("action") == "search_institution":
            search_results = search_institutions(search_q, limit=20)
        else:
            try:
                app = apps.create_application(item.code, acting_user=user, data=values)
            except DomainError as exc:
                raise_for_scope(exc)
                render_domain_error(errors, exc, fields=[f.name for f in item.fields])
                status = 400
            else:
                messages.success(
                    request,
                    gettext("申请草稿已保存（申请编号 %(number)s）。请上传材料，核对无误后提交。")
                    % {"number": app.number},
                )
                return redirect("portals:individual:application", pk=app.pk)
    else:
        values = item.initial_data(user=user)
    values = _stringify(values)
    existing = (
        Application.objects.for_user(user, "view", via="person")
        .filter(applicant=user, item_code=item.code)
        .exclude(status__in=list(FINAL))
        .order_by("-created_at")
        .first()
    )
    context = {
        "item": item,
        "fields": forms.build_fields(
            item, person, values, errors, search_results=search_results, search_q=search_q
        ),
        "form_errors": errors,
        "existing": existing,
        "qualified": str(item.subject) in set(person.qualifications.values_list("profession", flat=True)),
        "section": "apply",
    }
    return render(request, "portals/individual/apply.html", context, status=status)


@portal_required("individual")
@require_GET
def scope_options(request: HttpRequest, item_code: str) -> HttpResponse:
    """htmx: the 执业范围 checkboxes for the chosen qualification's category (plus code 57)."""
    item = _individual_item(item_code)
    spec = next((f for f in item.fields if f.kind == "multichoice"), None)
    if spec is None:
        raise Http404
    person = request.user.person
    options = forms.scope_options_for(person, str(item.subject), request.GET.get("qualification"))
    chosen = [v for v in request.GET.getlist(spec.name) if v]
    return render(
        request,
        "portals/_field.html",
        {
            "name": spec.name,
            "label": spec.label,
            "type": "checkboxes",
            "options": options,
            "value": chosen,
            "help": spec.help_text,
            "required": spec.required,
        },
    )


# -- my applications --------------------------------------------------------------------------------
def _my_application(request: HttpRequest, pk: int) -> Application:
    app = (
        Application.objects.for_user(request.user, "view", via="person")
        .filter(pk=pk, applicant=request.user)
        .select_related("institution", "authority", "person")
        .first()
    )
    if app is None:
        raise Http404
    return app


@portal_required("individual")
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    rows = list(
        Application.objects.for_user(request.user, "view", via="person")
        .filter(applicant=request.user)
        .select_related("institution", "authority")
        .order_by("-created_at")
    )
    today = timezone.localdate()
    return render(
        request,
        "portals/individual/applications.html",
        {
            "rows": [(a, clock_view(a, today=today)) for a in rows],
            "section": "applications",
        },
    )


def _attachment_groups(app: Application) -> list[dict[str, Any]]:
    limit = settings.MEDREG["UPLOAD_MAX_BYTES"]
    have: dict[str, list[Attachment]] = {}
    for att in app.attachments.all():
        have.setdefault(att.kind, []).append(att)
    groups = []
    specs = list(app.item.attachments)
    kinds = {str(s.kind) for s in specs}
    for spec in specs:
        groups.append(
            {
                "kind": str(spec.kind),
                "label": spec.kind.label,
                "required": spec.required,
                "help": spec.help_text,
                "types": "JPEG、PNG" if spec.images_only else "PDF、JPEG、PNG",
                "accept": "image/jpeg,image/png"
                if spec.images_only
                else "application/pdf,image/jpeg,image/png",
                "files": have.get(str(spec.kind), []),
            }
        )
    if AttachmentKind.OTHER not in kinds:
        groups.append(
            {
                "kind": AttachmentKind.OTHER.value,
                "label": AttachmentKind.OTHER.label,
                "required": False,
                "help": _("其他需要说明的材料（可选，可多次上传）"),
                "types": "PDF、JPEG、PNG",
                "accept": "application/pdf,image/jpeg,image/png",
                "files": have.get(AttachmentKind.OTHER.value, []),
            }
        )
    for g in groups:
        g["max_mb"] = round(limit / 1024 / 1024, 1)
    return groups


def _detail_context(request: HttpRequest, app: Application, **extra: Any) -> dict[str, Any]:
    item = app.item
    person = request.user.person
    correction_items: list[str] = []
    if app.status == Status.CORRECTION:
        pause = app.clock_pauses.filter(ended_on__isnull=True).order_by("-started_on", "-id").first()
        correction_items = list(pause.items) if pause else []
    timeline = list(app.timeline.all())
    return_reason = ""
    if app.status == Status.RETURNED:
        last = next((t for t in reversed(timeline) if t.action == "return"), None)
        return_reason = last.comment if last else ""
    editable = app.status in EDITABLE
    values = _stringify(extra.pop("values", None) or dict(app.form_data))
    form_errors = extra.pop("form_errors", {})
    context = {
        "app": app,
        "item": item,
        "clock": clock_view(app, today=timezone.localdate()),
        "timeline": timeline,
        "summary": forms.summary_rows(item, person, app.form_data, app.institution),
        "groups": _attachment_groups(app),
        "editable": editable,
        "fields": forms.build_fields(
            item,
            person,
            values,
            form_errors,
            search_results=extra.pop("search_results", None),
            search_q=extra.pop("search_q", ""),
        )
        if editable
        else [],
        "form_errors": form_errors,
        "upload_errors": {},
        "action_errors": {},
        "correction_items": correction_items,
        "return_reason": return_reason,
        "can_submit": app.status in (Status.DRAFT, Status.RETURNED),
        "can_resubmit": app.status == Status.CORRECTION,
        "can_withdraw": app.can_withdraw(),
        "section": "applications",
    }
    return {**context, **extra}


@portal_required("individual")
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _my_application(request, pk)
    return render(request, "portals/individual/application.html", _detail_context(request, app))


@portal_required("individual")
@require_POST
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _my_application(request, pk)
    item = app.item
    values = forms.parse_item_data(item, request.POST)
    search_q = _institution_query(item, request.POST)
    if request.POST.get("action") == "search_institution":
        ctx = _detail_context(
            request,
            app,
            values=values,
            search_q=search_q,
            search_results=search_institutions(search_q, limit=20),
        )
        return render(request, "portals/individual/application.html", ctx)
    try:
        apps.update_application(app.pk, acting_user=request.user, data=values)
    except DomainError as exc:
        raise_for_scope(exc)
        errors = render_domain_error({}, exc, fields=[f.name for f in item.fields])
        ctx = _detail_context(request, app, values=values, form_errors=errors, search_q=search_q)
        return render(request, "portals/individual/application.html", ctx, status=400)
    messages.success(request, gettext("申请内容已保存。"))
    return redirect("portals:individual:application", pk=app.pk)


@portal_required("individual")
@require_POST
def application_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload one or more materials; each file input is named by its attachment kind."""
    app = _my_application(request, pk)
    limit = settings.MEDREG["UPLOAD_MAX_BYTES"]
    kinds = [g["kind"] for g in _attachment_groups(app)]
    errors: dict[str, list[str]] = {}
    uploaded = 0
    for kind in kinds:
        for f in request.FILES.getlist(kind):
            # Read one byte past the limit: the service then refuses the file as too large without
            # the whole upload being held in memory.
            content = f.read(limit + 1)
            try:
                apps.add_attachment(
                    app.pk, acting_user=request.user, kind=kind, filename=f.name, content=content
                )
            except DomainError as exc:
                raise_for_scope(exc)
                render_domain_error(errors, exc, field_map={"file": kind, "kind": kind})
            else:
                uploaded += 1
    if not uploaded and not errors:
        errors[NON_FIELD] = [gettext("请选择要上传的文件。")]
    if errors:
        app.refresh_from_db()
        ctx = _detail_context(request, app, upload_errors=errors)
        if uploaded:
            messages.success(request, gettext("已上传 %(n)s 个文件。") % {"n": uploaded})
        return render(request, "portals/individual/application.html", ctx, status=400)
    messages.success(request, gettext("已上传 %(n)s 个文件。") % {"n": uploaded})
    return redirect("portals:individual:application", pk=app.pk)


@portal_required("individual")
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    app = _my_application(request, pk)
    att = app.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise Http404
    return attachment_response(att)


ACTION_MESSAGES = {
    "submit": _("申请已提交。"),
    "resubmit": _("补正材料已提交，法定时限继续计算。"),
    "withdraw": _("申请已撤回。"),
}


@portal_required("individual")
@require_POST
def application_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    """submit / resubmit (after 补正) / withdraw (with an explicit confirmation)."""
    app = _my_application(request, pk)
    errors: dict[str, list[str]] = {}
    try:
        if op == "submit":
            apps.submit_application(app.pk, acting_user=request.user)
        elif op == "resubmit":
            apps.resubmit_correction(
                app.pk, acting_user=request.user, comment=request.POST.get("comment", "")
            )
        elif op == "withdraw":
            if request.POST.get("confirm") not in ("on", "yes", "1"):
                errors["confirm"] = [gettext("请勾选确认后再撤回。撤回后本申请终止，需重新申请。")]
            else:
                apps.withdraw_application(
                    app.pk, acting_user=request.user, reason=request.POST.get("reason", "")
                )
        else:
            raise Http404
    except DomainError as exc:
        raise_for_scope(exc)
        render_domain_error(errors, exc, fields=["confirm", "comment", "reason"])
    if errors:
        app.refresh_from_db()
        ctx = _detail_context(request, app, action_errors=errors, action_op=op)
        return render(request, "portals/individual/application.html", ctx, status=400)
    messages.success(request, str(ACTION_MESSAGES[op]))
    return redirect("portals:individual:application", pk=app.pk)


# -- archive and licences ---------------------------------------------------------------------------
@portal_required("individual")
@require_GET
def archive(request: HttpRequest) -> HttpResponse:
    from medreg.core.masking import mask_id

    person = request.user.person
    data = people_selectors.archive(person)
    quals = [(forms.qualification_label(q), q) for q in data["qualifications"]]
    regs = [
        {
            "reg": r,
            "level": forms.code_label("practice_level", r.level_code) if r.level_code else "",
            "category": forms.code_label("practice_category", r.category_code) if r.category_code else "",
            "scopes": "、".join(forms.code_label("practice_scope", c) for c in r.scope_codes),
        }
        for r in data["registrations"]
    ]
    return render(
        request,
        "portals/individual/archive.html",
        {
            **data,
            "quals": quals,
            "regs": regs,
            "masked_id": mask_id(person.id_number),
            "section": "archive",
        },
    )


def _my_licences(request: HttpRequest) -> Any:
    return ELicence.objects.for_user(request.user, "view", via="person").filter(person=request.user.person)


@portal_required("individual")
@require_GET
def licences(request: HttpRequest) -> HttpResponse:
    rows = []
    for lic in (
        _my_licences(request)
        .filter(status=LicenceStatus.VALID)
        .select_related("authority")
        .order_by("-issued_at")
    ):
        d = lic.data or {}
        rows.append(
            {
                "lic": lic,
                "svg": cose.render_qr_svg(
                    lic.qr_payload,
                    scale=4,
                    title=gettext("%(name)s的电子证照二维码") % {"name": lic.holder_name},
                ),
                "level": forms.code_label("practice_level", d.get("level_code", ""))
                if d.get("level_code")
                else "",
                "category": forms.code_label("practice_category", d.get("category_code", ""))
                if d.get("category_code")
                else "",
                "scopes": "、".join(
                    forms.code_label("practice_scope", c) for c in d.get("scope_codes") or []
                ),
                "institution": d.get("institution_name", ""),
                "place": _division_name(d.get("practice_division")),
            }
        )
    return render(request, "portals/individual/licences.html", {"rows": rows, "section": "licences"})


def _division_name(code: Any) -> str:
    from medreg.reference import selectors as ref

    if not code:
        return ""
    div = ref.division(str(code))
    return div.full_name() if div else str(code)


@portal_required("individual")
@require_GET
def licence_qr_png(request: HttpRequest, pk: int) -> HttpResponse:
    lic = _my_licences(request).filter(pk=pk).first()
    if lic is None:
        raise Http404
    response = HttpResponse(cose.render_qr_png(lic.qr_payload, scale=8), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="medreg-licence-{lic.pk}-v{lic.version}.png"'
    response["Cache-Control"] = "private, no-store"
    return response
