"""Reads for the personal archive (活档): who may see whose archive, the timeline, the PDF export, and the
public sanctions summary the public register shows.

Visibility: the practitioner sees their whole archive; authority staff see the archive of a person in
their jurisdiction (an affiliation with an institution in their division, or a registration they
granted); institution staff see only the part dated within the person's employment at their institution
(Affiliation from activation to ``ended_on``), never the recorded legal circumstances. Anyone else: 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from medreg.core.conf import conf
from medreg.core.errors import NotFound
from medreg.core.scoping import scope_info
from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus
from medreg.people.models import (
    Affiliation,
    Assessment,
    Circumstance,
    Penalty,
    PenaltyKind,
    Person,
    PracticeRecord,
    PracticeRegistration,
    Proposal,
    Training,
)

if TYPE_CHECKING:
    from medreg.accounts.models import User

FONT_PATH = Path(__file__).resolve().parent.parent / "core" / "fonts" / "NotoSansSC-Subset.otf"
Window = tuple[dt.date, dt.date | None]


@dataclass
class ArchiveAccess:
    """Whose archive, in which capacity, and (for an institution) which periods may be shown."""

    person: Person
    capacity: str  # "self", "authority" or "institution"
    windows: list[Window] | None = None  # None: everything
    institution_ids: list[int] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.windows is None


@dataclass
class Entry:
    """One line of the timeline."""

    on: dt.date
    category: str
    title: str
    detail: str = ""
    actor: str = ""
    end: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "category": self.category,
            "title": self.title,
            "detail": self.detail,
            "actor": self.actor,
        }


CATEGORIES = {
    "qualification": _("资格"),
    "employment": _("执业机构"),
    "registration": _("执业注册"),
    "site": _("执业地点"),
    "assessment": _("定期考核"),
    "training": _("培训"),
    "penalty": _("行政处罚"),
    "record": _("执业记录"),
    "circumstance": _("法定情形"),
    "info": _("信息更新"),
}


def _not_found() -> NotFound:
    return NotFound(_("未找到该人员。"), code="not_found")


def archive_access(user: User | Any, person_id: Any, *, capacity: str | None = None) -> ArchiveAccess:
    """What ``user`` may see of person ``person_id``'s archive; 404 when nothing.

    ``capacity`` (self, authority, institution) restricts the check to the portal asking."""
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    info = scope_info(user)
    if not info.authenticated:
        raise _not_found()
    person = Person.objects.filter(pk=pid).first()
    if person is None:
        raise _not_found()
    if capacity in (None, "self") and info.person_id == pid:
        return ArchiveAccess(person, "self")
    if (
        capacity in (None, "authority")
        and info.authority_ids
        and (
            Person.objects.for_user(user, "view", via="authority").filter(pk=pid).exists()
            or PracticeRegistration.objects.for_user(user, "view", via="authority")
            .filter(person_id=pid)
            .exists()
        )
    ):
        return ArchiveAccess(person, "authority")
    if capacity in (None, "institution") and info.institution_ids:
        affs = (
            Affiliation.objects.for_user(user, "view", via="institution")
            .filter(person_id=pid, activated_at__isnull=False)
            .exclude(status=AffiliationStatus.PENDING)
        )
        windows: list[Window] = []
        inst_ids: list[int] = []
        for a in affs:
            assert a.activated_at is not None
            windows.append((timezone.localtime(a.activated_at).date(), a.ended_on))
            inst_ids.append(a.institution_id)
        if windows:
            return ArchiveAccess(person, "institution", windows, sorted(set(inst_ids)))
    raise _not_found()


def _in_windows(entry: Entry, windows: list[Window] | None) -> bool:
    if windows is None:
        return True
    for start, end in windows:
        if end is not None and entry.on > end:
            continue
        if entry.on >= start or (entry.end is not None and entry.end >= start):
            return True
    return False


def _user_label(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "real_name", "") or getattr(user, "username", ""))


def timeline(access: ArchiveAccess) -> list[Entry]:
    """The archive entries ``access`` may see, newest first."""
    from medreg.reference import selectors as ref

    person = access.person
    out: list[Entry] = []
    for q in person.qualifications.all():
        what = _g("医师资格") if q.profession == Profession.PHYSICIAN else _g("护士执业资格")
        detail = ""
        if q.profession == Profession.PHYSICIAN and q.category_code:
            detail = ref.code_name("practice_category", q.category_code)
        out.append(Entry(q.obtained_on, "qualification", _g("取得%(what)s") % {"what": what}, detail))
    for a in person.affiliations.select_related("institution").exclude(status=AffiliationStatus.PENDING):
        if a.activated_at is None:
            continue
        start = timezone.localtime(a.activated_at).date()
        out.append(
            Entry(
                start,
                "employment",
                _g("在“%(inst)s”执业") % {"inst": a.institution.name},
                str(AffiliationStatus(a.status).label),
                _user_label(a.activated_by),
                end=a.ended_on,
            )
        )
        if a.ended_on:
            out.append(
                Entry(
                    a.ended_on,
                    "employment",
                    _g("离开“%(inst)s”") % {"inst": a.institution.name},
                    str(AffiliationStatus(a.status).label),
                )
            )
    regs = list(person.registrations.select_related("main_institution", "practice_division"))
    for r in regs:
        detail = _g("证书编码%(no)s，%(inst)s，%(place)s，状态：%(status)s") % {
            "no": r.certificate_no,
            "inst": r.main_institution.name,
            "place": r.practice_division.name,
            "status": str(RegistrationStatus(r.status).label)
            if r.status in RegistrationStatus.values
            else r.status,
        }
        out.append(
            Entry(
                r.registered_on,
                "registration",
                _g("执业注册（%(p)s）") % {"p": Profession(r.profession).label},
                detail,
            )
        )
    out.extend(_optional_entries(person, [r.pk for r in regs]))
    for s in Assessment.objects.filter(person=person):
        out.append(
            Entry(
                s.assessed_on,
                "assessment",
                _g("定期考核%(result)s") % {"result": s.get_result_display()},
                _g("考核周期%(start)s至%(end)s%(re)s")
                % {
                    "start": s.period_start,
                    "end": s.period_end,
                    "re": _g("（再次考核）") if s.is_reassessment else "",
                },
                _user_label(s.recorded_by),
            )
        )
    for p in Proposal.objects.filter(person=person).exclude(status="open").select_related("decided_by"):
        assert p.decided_on is not None
        out.append(
            Entry(
                p.decided_on,
                "assessment",
                _g("考核处理建议：%(kind)s") % {"kind": p.get_kind_display()},
                p.get_status_display(),
                _user_label(p.decided_by),
            )
        )
    for t in Training.objects.filter(person=person):
        out.append(
            Entry(
                t.start_on,
                "training",
                f"{t.get_kind_display()}：{t.title}",
                _g("%(hours)s学时，%(provider)s") % {"hours": t.hours, "provider": t.provider or "-"},
                _user_label(t.recorded_by),
                end=t.end_on,
            )
        )
    for pen in Penalty.objects.filter(person=person):
        label = pen.get_kind_display() + (f"（{pen.get_ban_basis_display()}）" if pen.ban_basis else "")
        until = pen.end_on.isoformat() if pen.end_on else (_g("终身") if pen.kind == PenaltyKind.BAN else "")
        detail = pen.reason + (_g("；期限至%(until)s") % {"until": until} if until else "")
        out.append(
            Entry(pen.start_on, "penalty", label, detail, _user_label(pen.recorded_by), end=pen.end_on)
        )
    for rec in PracticeRecord.objects.filter(person=person):
        out.append(
            Entry(
                rec.recorded_on, "record", rec.get_kind_display(), rec.summary, _user_label(rec.recorded_by)
            )
        )
    if access.capacity != "institution":
        for c in Circumstance.objects.filter(person=person):
            out.append(
                Entry(
                    c.start_on,
                    "circumstance",
                    c.get_kind_display(),
                    c.note,
                    _user_label(c.recorded_by),
                    end=c.end_on,
                )
            )
    out = [e for e in out if _in_windows(e, access.windows)]
    out.sort(key=lambda e: (e.on, e.category), reverse=True)
    return out


def _optional_entries(person: Person, reg_ids: list[int]) -> list[Entry]:
    """Entries from the registry models other streams own (sites, changes, info versions, 注销)."""
    from medreg.people import models as m

    out: list[Entry] = []
    site_model = getattr(m, "PracticeSite", None)
    if site_model is not None:
        for s in site_model.objects.filter(person=person).select_related("institution"):
            out.append(
                Entry(
                    s.start_on,
                    "site",
                    _g("执业地点：%(inst)s（%(kind)s）")
                    % {"inst": s.institution.name, "kind": s.get_kind_display()},
                    s.get_status_display(),
                    end=s.end_on,
                )
            )
    change_model = getattr(m, "RegistrationChange", None)
    if change_model is not None:
        for ch in change_model.objects.filter(registration_id__in=reg_ids).select_related("approved_by"):
            out.append(
                Entry(
                    ch.changed_on,
                    "registration",
                    _g("注册事项变更：%(field)s") % {"field": ch.field},
                    f"{_fmt(ch.old_value)} → {_fmt(ch.new_value)}",
                    _user_label(ch.approved_by),
                )
            )
    cancel_model = getattr(m, "RegistrationCancellation", None)
    if cancel_model is not None:
        for cn in cancel_model.objects.filter(person=person).select_related("decided_by"):
            out.append(
                Entry(
                    cn.cancelled_on,
                    "registration",
                    _g("注销注册"),
                    cn.get_form_display(),
                    _user_label(cn.decided_by),
                )
            )
    info_model = getattr(m, "PersonInfoVersion", None)
    if info_model is not None:
        for v in info_model.objects.filter(person=person).select_related(
            "approved_by", "approved_by_institution"
        ):
            when = timezone.localtime(v.approved_at or v.created_at).date()
            approver = _user_label(v.approved_by)
            if v.approved_by_institution is not None:
                approver = (
                    f"{approver}（{v.approved_by_institution.name}）"
                    if approver
                    else v.approved_by_institution.name
                )
            out.append(
                Entry(
                    when,
                    "info",
                    _g("个人信息第%(n)s版") % {"n": v.version},
                    _g("学历：%(edu)s；毕业院校：%(school)s；职称：%(title)s")
                    % {"edu": v.education or "-", "school": v.school or "-", "title": v.title or "-"},
                    approver,
                )
            )
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "-" if value in (None, "") else str(value)


def archive_data(access: ArchiveAccess) -> dict[str, Any]:
    """Everything an archive page shows."""
    entries = timeline(access)
    return {
        "person": access.person,
        "capacity": access.capacity,
        "entries": entries,
        "categories": {k: str(v) for k, v in CATEGORIES.items()},
        "sanctions": public_sanctions(access.person),
        "assessment_due_on": assessment_due_on(access.person) if access.capacity != "institution" else None,
    }


def assessment_due_on(person: Person) -> dt.date | None:
    """The last day of the physician's current 定期考核 cycle (医师法 第42条, 3 years [K]): the end of the
    last assessed period plus one cycle, or the first physician registration plus one cycle; ``None``
    for someone never registered as a physician."""
    from medreg.people.eligibility import add_years, rules

    years = rules("ASSESSMENT_CYCLE_YEARS")
    last = (
        Assessment.objects.filter(person=person)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if last is not None:
        return add_years(last, years)
    first = (
        PracticeRegistration.objects.filter(person=person, profession=Profession.PHYSICIAN)
        .order_by("registered_on")
        .values_list("registered_on", flat=True)
        .first()
    )
    return None if first is None else add_years(first, years) - dt.timedelta(days=1)


def _public_sanction_rows(on: dt.date) -> Any:
    """Penalties of the published kinds (``MEDREG["RECORDS"]["PUBLIC_SANCTION_KINDS"]``) in force on ``on``."""
    from django.db.models import Q

    kinds = list(conf("RECORDS")["PUBLIC_SANCTION_KINDS"])
    return Penalty.objects.filter(kind__in=kinds, start_on__lte=on).filter(Q(end_on__isnull=True) | Q(end_on__gte=on))


def _public_sanction(p: Penalty) -> dict[str, Any]:
    return {"type": p.kind, "type_label": str(PenaltyKind(p.kind).label), "end_on": p.end_on}


def public_sanctions(person: Person, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Sanctions in force that the public register shows: type and last day only (no reason, no
    decision number). Kinds come from ``MEDREG["RECORDS"]["PUBLIC_SANCTION_KINDS"]``."""
    day = on or timezone.localdate()
    rows = _public_sanction_rows(day).filter(person=person).order_by("end_on")
    return [_public_sanction(p) for p in rows]


def public_sanctions_by_person(person_ids: list[int], on: dt.date) -> dict[int, list[dict[str, Any]]]:
    """:func:`public_sanctions` for many people in one query (the open-data export): person id → the
    sanctions in force on ``on`` (people without any are absent)."""
    out: dict[int, list[dict[str, Any]]] = {}
    rows = _public_sanction_rows(on).filter(person_id__in=person_ids).order_by("person_id", "end_on", "pk")
    for p in rows.only("person_id", "kind", "end_on"):
        out.setdefault(p.person_id, []).append(_public_sanction(p))
    return out


def public_sanction_changes(since: dt.datetime, on: dt.date) -> set[int]:
    """People whose published sanctions may read differently on ``on`` than at ``since``: a sanction
    of a published kind started, or dropped off (the day after its last day), on a day from ``since``'s
    local date to ``on``, or was recorded at or after ``since``. Used by the delta export, since the
    calendar alone changes what is published without touching the registration."""
    from django.db.models import Q

    first = timezone.localtime(since).date() if timezone.is_aware(since) else since.date()
    kinds = list(conf("RECORDS")["PUBLIC_SANCTION_KINDS"])
    changed = Penalty.objects.filter(kind__in=kinds).filter(
        Q(start_on__gte=first, start_on__lte=on)
        | Q(end_on__gte=first - dt.timedelta(days=1), end_on__lt=on)
        | Q(created_at__gte=since)
    )
    return set(changed.values_list("person_id", flat=True))


def archive_pdf(access: ArchiveAccess) -> bytes:
    """The archive as a PDF (A4, Chinese, self-hosted Noto Sans SC subset). No ID number or phone."""
    from fpdf import FPDF

    with translation.override(settings.LANGUAGE_CODE):
        entries = timeline(access)
        person = access.person
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_font("noto", "", str(FONT_PATH))
        pdf.add_page()
        pdf.set_font("noto", size=16)
        pdf.cell(0, 10, _g("医师/护士执业活档"), new_x="LMARGIN", new_y="NEXT", align="C")
        pdf.set_font("noto", size=10)
        scope_note = _g("（仅含在本机构执业期间的记录）") if access.capacity == "institution" else ""
        pdf.cell(
            0,
            7,
            _g("姓名：%(name)s    导出日期：%(day)s%(note)s")
            % {"name": person.name, "day": timezone.localdate().isoformat(), "note": scope_note},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
        widths = (24, 22, 144)
        pdf.set_fill_color(230, 230, 230)
        for w, head in zip(widths, (_g("日期"), _g("类别"), _g("记录内容")), strict=True):
            pdf.cell(w, 7, head, border=1, fill=True)
        pdf.ln()
        for e in entries:
            text = (
                e.title
                + (f"\n{e.detail}" if e.detail else "")
                + ("\n" + _g("记录/审核人：%(who)s") % {"who": e.actor} if e.actor else "")
            )
            when = e.on.isoformat() + (f"\n~{e.end.isoformat()}" if e.end else "")
            _row(pdf, widths, [when, str(CATEGORIES[e.category]), text])
        if not entries:
            pdf.cell(0, 8, _g("暂无记录。"), new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


def _row(pdf: Any, widths: tuple[int, ...], texts: list[str]) -> None:
    """One table row of multi-line cells of equal height (measured first with a dry run)."""
    line = 5
    heights = [
        len(pdf.multi_cell(w, line, t, dry_run=True, output="LINES")) * line
        for w, t in zip(widths, texts, strict=True)
    ]
    height = max(heights) + 2
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    x, y = pdf.get_x(), pdf.get_y()
    for w, t in zip(widths, texts, strict=True):
        pdf.rect(x, y, w, height)
        pdf.set_xy(x, y + 1)
        pdf.multi_cell(w, line, t, border=0)
        x += w
    pdf.set_xy(pdf.l_margin, y + height)


# -- institution roster --------------------------------------------------------------------------------
ROSTER_STATUSES = {
    "active": _("在岗"),
    "left": _("离职"),
    "retired": _("退休"),
    "deceased": _("死亡"),
    "multi_site": _("多机构执业"),
}


@dataclass
class RosterRow:
    """One line of an institution's staff roster."""

    key: str  # "staff-<affiliation id>" or "site-<practice site id>"
    person: Person
    status: str
    start: dt.date | None
    end: dt.date | None
    department: str = ""
    registration: PracticeRegistration | None = None

    @property
    def status_label(self) -> str:
        return str(ROSTER_STATUSES.get(self.status, self.status))


def roster(institution_id: int, user: Any, *, status: str | None = None) -> list[RosterRow]:
    """The staff of an institution the user works for: employees (在岗/离职/退休/死亡, with dates) and
    physicians filed here for multi-institution practice (多机构执业, with the filing's dates)."""
    from django.db.models import Prefetch

    from medreg.people import models as m

    rows: list[RosterRow] = []
    if status in (None, "", "active", "left", "retired", "deceased"):
        here = PracticeRegistration.objects.filter(main_institution_id=institution_id).order_by(
            "-registered_on"
        )
        affs = (
            Affiliation.objects.for_user(user, "view", via="institution")
            .filter(institution_id=institution_id)
            .exclude(status=AffiliationStatus.PENDING)
            .select_related("person", "department")
            .prefetch_related(Prefetch("person__registrations", queryset=here, to_attr="here"))
            .order_by("person__name", "pk")
        )
        if status:
            affs = affs.filter(status=status)
        for a in affs:
            start = timezone.localtime(a.activated_at).date() if a.activated_at else None
            reg = a.person.here[0] if a.person.here else None  # type: ignore[attr-defined]
            rows.append(
                RosterRow(
                    f"staff-{a.pk}",
                    a.person,
                    a.status,
                    start,
                    a.ended_on,
                    a.department.name if a.department else "",
                    reg,
                )
            )
    site_model = getattr(m, "PracticeSite", None)
    if site_model is not None and status in (None, "", "multi_site"):
        sites = (
            site_model.objects.for_user(user, "view", via="institution")
            .filter(institution_id=institution_id, kind="filed", status="active")
            .select_related("person", "registration")
            .order_by("person__name", "pk")
        )
        for s in sites:
            rows.append(
                RosterRow(f"site-{s.pk}", s.person, "multi_site", s.start_on, s.end_on, "", s.registration)
            )
    return rows


def roster_xlsx(rows: list[RosterRow], *, institution_name: str) -> bytes:
    """The roster as an Excel workbook (no ID numbers or phones)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _g("人员名册")[:31]
    ws.append([institution_name])
    ws["A1"].font = Font(bold=True)
    headers = [
        _g("姓名"),
        _g("性别"),
        _g("科室"),
        _g("状态"),
        _g("开始日期"),
        _g("结束日期"),
        _g("执业证书编码"),
        _g("注册状态"),
    ]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    from medreg.reference import selectors as ref

    for r in rows:
        reg = r.registration
        ws.append(
            [
                r.person.name,
                ref.code_name("gender", r.person.gender) if r.person.gender else "",
                r.department,
                r.status_label,
                r.start,
                r.end,
                reg.certificate_no if reg else "",
                str(RegistrationStatus(reg.status).label)
                if reg and reg.status in RegistrationStatus.values
                else "",
            ]
        )
    for col, width in zip("ABCDEFGH", (12, 6, 14, 12, 12, 12, 20, 10), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
