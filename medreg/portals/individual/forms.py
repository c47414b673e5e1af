"""Rendering a business item's form (FieldSpec list) for the individual portal, and parsing it back.

Nothing here validates: the item's ``clean`` (called by the application services) does. These helpers
only turn the catalogue's field declarations into what ``portals/_field.html`` needs, with choices
scoped to the signed-in person (their own qualifications, their institutions, the scopes of their
qualification's category).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext

from medreg.institutions.models import Institution
from medreg.people.choices import AffiliationStatus
from medreg.reference import selectors as ref

if TYPE_CHECKING:
    from medreg.applications.items.base import BusinessItem, FieldSpec
    from medreg.people.models import Person, QualificationRecord

TEXTAREA_OVER = 200  # text fields longer than this render as a textarea


@dataclass
class FieldView:
    """One field as the template renders it (see ``portals/_field.html``)."""

    name: str
    label: Any
    kind: str  # the FieldSpec kind
    type: str  # the _field.html type
    required: bool
    help: Any
    value: Any
    errors: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    maxlength: int | None = None
    institutions: list[Institution] = field(default_factory=list)  # kind "institution": the choices
    search_q: str = ""


def _lang() -> str:
    return translation.get_language() or "zh-hans"


def code_label(table: str, code: str) -> str:
    found = ref.code_map(table).get(str(code))
    return found.label(_lang()) if found else str(code)


def qualification_label(q: QualificationRecord) -> str:
    """级别 · 类别 · 取得日期 — never the certificate code (it embeds the ID number)."""
    parts = []
    if q.level_code:
        parts.append(code_label("practice_level", q.level_code))
    if q.category_code:
        parts.append(code_label("practice_category", q.category_code))
    parts.append(gettext("取得日期 %(date)s") % {"date": q.obtained_on.isoformat()})
    return " · ".join(parts)


def person_qualifications(person: Person, profession: str) -> list[QualificationRecord]:
    return list(person.qualifications.filter(profession=profession).order_by("-obtained_on"))


def institution_label(inst: Institution) -> str:
    bits = [inst.name]
    if getattr(inst, "division", None) is not None:
        bits.append(inst.division.name)
    if inst.contact_phone:
        bits.append(gettext("电话 %(phone)s") % {"phone": inst.contact_phone})
    return " · ".join(bits)


def registration_label(reg: Any) -> str:
    """证书编号 · 执业地点 · 主要执业机构 · 状态 (what a person needs to tell their registrations apart)."""
    bits = [reg.certificate_no, reg.practice_division.name, reg.main_institution.name]
    if reg.status != "active":
        bits.append(str(reg.get_status_display()))
    return " · ".join(bits)


def person_registrations(person: Person, profession: str = "") -> list[Any]:
    """The person's active or suspended registrations (of one profession when given)."""
    qs = person.registrations.filter(status__in=["active", "suspended"])
    if profession:
        qs = qs.filter(profession=profession)
    return list(qs.select_related("practice_division", "main_institution").order_by("registered_on"))


def site_label(site: Any) -> str:
    end = site.end_on.isoformat() if site.end_on else gettext("长期")
    return f"{site.institution.name} · {site.start_on.isoformat()}—{end}"


def person_filed_sites(person: Person) -> list[Any]:
    return list(
        person.practice_sites.filter(kind="filed", status="active").select_related("institution").order_by("start_on")
    )


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_item_data(item: BusinessItem, post: QueryDict) -> dict[str, Any]:
    """The posted values of the item's fields, shaped as the services expect them."""
    data: dict[str, Any] = {}
    for spec in item.fields:
        if spec.kind == "multichoice":
            data[spec.name] = [v.strip() for v in post.getlist(spec.name) if v.strip()]
        elif spec.kind == "boolean":
            data[spec.name] = post.get(spec.name) in ("on", "true", "1")
        else:
            data[spec.name] = (post.get(spec.name) or "").strip()
    return data


def _scope_options(
    person: Person, quals: list[QualificationRecord], chosen: QualificationRecord | None
) -> list[tuple[str, str]]:
    categories = {chosen.category_code} if chosen is not None else {q.category_code for q in quals}
    out = []
    for c in ref.codes("practice_scope"):
        if c.parent_code in categories or (c.extra or {}).get("any_category"):
            out.append((c.code, c.label(_lang())))
    return out


def scope_options_for(person: Person, profession: str, qualification_id: Any) -> list[tuple[str, str]]:
    quals = person_qualifications(person, profession)
    chosen = next((q for q in quals if q.pk == _as_int(qualification_id)), None)
    return _scope_options(person, quals, chosen)


def institution_choices(
    person: Person, selected_id: Any, extra: list[Institution] | None = None
) -> list[Institution]:
    """The selected institution first, then the person's open affiliations, then search results."""
    seen: set[int] = set()
    out: list[Institution] = []
    sel = _as_int(selected_id)
    if sel is not None:
        inst = Institution.objects.select_related("division").filter(pk=sel).first()
        if inst is not None:
            out.append(inst)
            seen.add(inst.pk)
    for aff in person.affiliations.filter(
        status__in=[AffiliationStatus.ACTIVE, AffiliationStatus.PENDING]
    ).select_related("institution__division"):
        if aff.institution_id not in seen:
            out.append(aff.institution)
            seen.add(aff.institution_id)
    for inst in extra or []:
        if inst.pk not in seen:
            out.append(inst)
            seen.add(inst.pk)
    return out


def build_fields(
    item: BusinessItem,
    person: Person,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    *,
    search_results: list[Institution] | None = None,
    search_q: str = "",
) -> list[FieldView]:
    """The item's fields with values, errors and person-scoped choices, ready for the template."""
    errors = errors or {}
    profession = str(item.subject)
    quals = person_qualifications(person, profession)
    chosen = next((q for q in quals if q.pk == _as_int(values.get("qualification"))), None)
    views: list[FieldView] = []
    for spec in item.fields:
        views.append(
            _field_view(
                spec, person, values, errors.get(spec.name, []), quals, chosen, search_results, search_q
            )
        )
    return views


def _field_view(
    spec: FieldSpec,
    person: Person,
    values: dict[str, Any],
    errs: list[str],
    quals: list[QualificationRecord],
    chosen: QualificationRecord | None,
    search_results: list[Institution] | None,
    search_q: str,
) -> FieldView:
    raw = values.get(spec.name)
    fv = FieldView(
        name=spec.name,
        label=spec.label,
        kind=spec.kind,
        type="text",
        required=spec.required,
        help=spec.help_text,
        value="" if raw is None else str(raw),
        errors=list(errs),
        maxlength=spec.max_length,
    )
    if spec.kind == "qualification":
        fv.type = "select"
        fv.options = [(str(q.pk), qualification_label(q)) for q in quals]
    elif spec.kind == "institution":
        fv.type = "institution"
        fv.institutions = institution_choices(person, raw, search_results)
        fv.search_q = search_q
    elif spec.kind == "multichoice":
        fv.type = "checkboxes"
        fv.value = [str(v) for v in (raw or [])] if isinstance(raw, list | tuple) else []
        if spec.choices_table == "practice_scope":
            fv.options = _scope_options(person, quals, chosen)
        elif spec.choices_table:
            fv.options = [(c.code, c.label(_lang())) for c in ref.codes(spec.choices_table)]
    elif spec.kind == "choice":
        fv.type = "select"
        if spec.choices_table:
            fv.options = [(c.code, c.label(_lang())) for c in ref.codes(spec.choices_table)]
        else:
            fv.options = [(value, str(label)) for value, label in spec.options]
    elif spec.kind == "registration":
        fv.type = "select"
        fv.options = [(str(r.pk), registration_label(r)) for r in person_registrations(person, str(spec.choices_table or ""))]
    elif spec.kind == "practice_site":
        fv.type = "select"
        fv.options = [(str(s.pk), site_label(s)) for s in person_filed_sites(person)]
    elif spec.kind == "date":
        fv.type = "date"
    elif spec.kind == "boolean":
        fv.type = "checkbox"
        fv.value = raw in (True, "true", "on", "1", 1)
    elif spec.max_length and spec.max_length > TEXTAREA_OVER:
        fv.type = "textarea"
    return fv


def summary_rows(
    item: BusinessItem, person: Person | None, data: dict[str, Any], institution: Institution | None = None
) -> list[tuple[Any, str]]:
    """(label, display value) pairs of an application's form data, for the read-only view."""
    rows: list[tuple[Any, str]] = []
    for spec in item.fields:
        raw = data.get(spec.name)
        shown = ""
        if spec.kind == "qualification" and person is not None:
            q = person.qualifications.filter(pk=_as_int(raw)).first() if raw not in (None, "") else None
            shown = qualification_label(q) if q else ""
        elif spec.kind == "institution":
            if institution is not None and institution.pk == _as_int(raw):
                shown = institution.name
            elif raw not in (None, ""):
                found = Institution.objects.filter(pk=_as_int(raw)).only("name").first()
                shown = found.name if found else ""
        elif spec.kind == "multichoice":
            codes = raw if isinstance(raw, list | tuple) else []
            table = spec.choices_table or ""
            shown = "、".join(code_label(table, c) if table else str(c) for c in codes)
        elif spec.kind == "choice" and spec.choices_table and raw:
            shown = code_label(spec.choices_table, raw)
        elif spec.kind == "choice" and spec.options and raw not in (None, ""):
            shown = next((str(label) for value, label in spec.options if value == str(raw)), str(raw))
        elif spec.kind == "registration" and raw not in (None, ""):
            from medreg.people.models import PracticeRegistration

            reg = PracticeRegistration.objects.select_related("practice_division", "main_institution").filter(
                pk=_as_int(raw) or 0).first()
            shown = registration_label(reg) if reg else ""
        elif spec.kind == "practice_site" and raw not in (None, ""):
            from medreg.people.models import PracticeSite

            site = PracticeSite.objects.select_related("institution").filter(pk=_as_int(raw) or 0).first()
            shown = site_label(site) if site else ""
        elif spec.kind == "boolean":
            shown = gettext("是") if raw else gettext("否")
        else:
            shown = "" if raw is None else str(raw)
        rows.append((spec.label, shown))
    return rows
