"""机构端 · 机构业务申请 (inst stream): the institution applies for its own items (执业登记, 校验, 变更, ...).

One generic form per catalogue item, rendered from the item's ``FieldSpec`` list: save a draft, upload
the materials, submit. Views only parse input and call ``medreg.applications.services``; a submitted
application then shows in the portal's application list and detail pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_http_methods

from medreg.accounts.models import User
from medreg.applications import services as apps
from medreg.applications.choices import Status, Subject
from medreg.applications.items import all_items, get_item
from medreg.applications.items.base import BusinessItem
from medreg.applications.models import Application
from medreg.core.errors import DomainError, NotFound
from medreg.portals.institution.views import _base, _current, institution_page
from medreg.portals.views import NON_FIELD, render_domain_error
from medreg.reference import selectors as ref

NS = "portals:institution"
EDITABLE = (Status.DRAFT, Status.RETURNED, Status.CORRECTION)  # the applicant may still edit and (re)submit


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _items() -> list[BusinessItem]:
    return [i for i in all_items() if i.subject == Subject.INSTITUTION and i.applicant == "institution"]


def _admin_only(request: HttpRequest) -> Any:
    current = _current(request)
    if not current.is_admin:
        raise Http404
    return current


@require_GET
@institution_page
def item_list(request: HttpRequest) -> HttpResponse:
    current = _admin_only(request)
    inst = current.institution
    drafts = Application.objects.for_user(request.user, "view", via="institution").filter(
        institution=inst, status=Status.DRAFT, applicant=_user(request))
    rows = [{"item": i, "allowed": inst.status in getattr(i, "allowed_statuses", ("active",))} for i in _items()]
    return render(request, "portals/institution/apply_list.html", _base(current, "apply", rows=rows, drafts=drafts))


@dataclass
class FieldView:
    name: str
    label: str
    type: str
    required: bool
    help: str
    value: Any
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    maxlength: int | None = None


def _field_views(item: BusinessItem, values: dict[str, Any], errors: dict[str, list[str]]) -> list[FieldView]:
    out = []
    for spec in item.fields:
        if spec.kind == "institution":
            continue
        kind = {"choice": "select", "multichoice": "checkboxes", "boolean": "checkbox", "number": "number"}.get(
            spec.kind, "textarea" if (spec.max_length or 0) > 300 else "text")
        options = [(c.code, f"{c.code} {c.label()}") for c in ref.codes(spec.choices_table)] if spec.choices_table else []
        value = values.get(spec.name)
        if kind == "checkboxes":
            value = [str(v) for v in (value or [])]
        elif isinstance(value, list):
            value = "；".join(str(v) for v in value)
        out.append(FieldView(spec.name, str(spec.label), kind, spec.required, str(spec.help_text),
                             "" if value is None else value, options, errors.get(spec.name, []), spec.max_length))
    return out


def _data(request: HttpRequest, item: BusinessItem, institution_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {"institution": institution_id}
    for spec in item.fields:
        if spec.kind == "institution":
            continue
        if spec.kind == "multichoice":
            data[spec.name] = request.POST.getlist(spec.name)
        elif spec.kind == "boolean":
            data[spec.name] = request.POST.get(spec.name) in ("on", "true", "1")
        else:
            data[spec.name] = request.POST.get(spec.name, "").strip()
    return data


@require_http_methods(["GET", "POST"])
@institution_page
def apply(request: HttpRequest, code: str) -> HttpResponse:
    current = _admin_only(request)
    try:
        item = get_item(code)
    except NotFound:
        raise Http404 from None
    if item not in _items():
        raise Http404
    user = _user(request)
    draft = None
    raw_draft = request.POST.get("draft") or request.GET.get("draft")
    if raw_draft:
        draft = Application.objects.for_user(user, "view", via="institution").filter(
            pk=int(raw_draft) if raw_draft.isdigit() else 0, applicant=user, item_code=item.code,
            institution=current.institution, status__in=EDITABLE).first()
        if draft is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = dict(draft.form_data) if draft else item.initial_data(user=user)
    status = 200
    if request.method == "POST":
        values = _data(request, item, current.institution.pk)
        try:
            if draft is None:
                draft = apps.create_application(item.code, acting_user=user, data=values)
            else:
                draft = apps.update_application(draft.pk, acting_user=user, data=values)
            upload = request.FILES.get("material")
            if upload is not None:
                apps.add_attachment(draft.pk, acting_user=user, kind="other", filename=upload.name or "file",
                                    content=upload.read())
            if request.POST.get("action") == "submit":
                if draft.status == Status.CORRECTION:  # 补正: resubmit, the clock resumes
                    app = apps.resubmit_correction(draft.pk, acting_user=user)
                else:
                    app = apps.submit_application(draft.pk, acting_user=user)
                messages.success(request, _t("申请已提交。"))
                return redirect(reverse(f"{NS}:application", args=[app.pk]) + current.query)
            messages.success(request, _t("草稿已保存。"))
            return redirect(reverse(f"{NS}:apply_item", args=[item.code]) + f"?draft={draft.pk}"
                            + (f"&inst={current.institution.pk}" if current.query else ""))
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            errors = render_domain_error(None, exc, fields=[f.name for f in item.fields] + ["material"],
                                         field_map={"file": "material", "attachments": "material"})
            status = 400
    attachments = list(draft.attachments.all()) if draft else []
    return render(request, "portals/institution/apply.html", _base(
        current, "apply", item=item, fields=_field_views(item, values, errors), draft=draft,
        attachments=attachments, non_field_errors=errors.get(NON_FIELD, []), material_errors=errors.get("material", []),
    ), status=status)


urlpatterns = [
    path("apply/", item_list, name="apply"),
    path("apply/<str:code>/", apply, name="apply_item"),
]
