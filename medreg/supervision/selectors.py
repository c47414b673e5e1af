"""Reads of the supervision app. Everything a user sees goes through ``for_user``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.core.conf import conf
from medreg.core.errors import ErrorItem
from medreg.institutions.models import Institution
from medreg.people.choices import Profession, RegistrationStatus
from medreg.people.models import Person, PracticeRegistration
from medreg.reference import selectors as ref
from medreg.supervision import rules
from medreg.supervision.choices import Conclusion, InspectionStatus, ThreadStatus
from medreg.supervision.models import (
    ConsultationRead,
    ConsultationThread,
    InspectionTask,
    RegistrationWarning,
    RiskFlag,
)


# -- inspections ----------------------------------------------------------------------------------------
def needs_inspection(app: Application) -> bool:
    """Whether the item requires a returned 《现场踏勘结论表》 before the decision."""
    return app.item_code in conf("INSPECTION_REQUIRED_ITEMS") or bool(getattr(app.item, "site_inspection", False))


def inspections_for_application(app: Application, user: Any) -> list[InspectionTask]:
    return list(InspectionTask.objects.for_user(user).filter(application=app)
                .select_related("assignee", "sent_by").prefetch_related("files").order_by("sent_at", "pk"))


def inspection_prechecks(app: Application) -> list[ErrorItem]:
    """For an item's ``prechecks``: once accepted, an item that needs 线上踏勘 can be decided only on a
    returned form whose conclusion is not 不合格 (before acceptance nothing is required)."""
    if app.status not in (Status.ACCEPTED, Status.REVIEWED) or not needs_inspection(app):
        return []
    tasks = list(InspectionTask.objects.filter(application=app).order_by("-sent_at", "-pk"))
    if not tasks or tasks[0].status != InspectionStatus.RETURNED:
        return [ErrorItem("inspection_missing", _("本事项须现场踏勘，踏勘结论表尚未回传。"))]
    if tasks[0].conclusion == Conclusion.FAILED:
        return [ErrorItem("inspection_failed", _("现场踏勘结论为不合格，不能准予。"))]
    return []


def task_queue(user: Any, *, today: date) -> dict[str, list[InspectionTask]]:
    """The supervision work queue: overdue open tasks, other open tasks, and recently returned ones."""
    qs = InspectionTask.objects.for_user(user).select_related("application__institution", "assignee", "authority")
    open_tasks = list(qs.filter(status=InspectionStatus.SENT).order_by("due_on", "pk"))
    return {
        "overdue": [t for t in open_tasks if t.due_on < today],
        "open": [t for t in open_tasks if t.due_on >= today],
        "returned": list(qs.filter(status=InspectionStatus.RETURNED).order_by("-returned_at")[:50]),
    }


# -- consultations and risk flags ------------------------------------------------------------------------
def _subject_q(subject: Any, prefix: str = "") -> Q:
    """Rows about ``subject``; for an application also those about its institution and its person."""
    if isinstance(subject, Application):
        q = Q(**{f"{prefix}application": subject})
        if subject.institution_id:
            q |= Q(**{f"{prefix}institution_id": subject.institution_id})
        if subject.person_id:
            q |= Q(**{f"{prefix}person_id": subject.person_id})
        return q
    if isinstance(subject, Institution):
        return Q(**{f"{prefix}institution": subject})
    if isinstance(subject, Person):
        return Q(**{f"{prefix}person": subject})
    raise TypeError(f"not a consultation subject: {type(subject).__name__}")


def risk_flags_for(subject: Application | Institution | Person, user: Any = None) -> QuerySet[RiskFlag]:
    """Risk flags raised in consultations about ``subject`` (for an application, also about its institution
    and person). With ``user``, only those in the user's jurisdiction."""
    qs = RiskFlag.objects.for_user(user) if user is not None else RiskFlag.objects.all()
    return qs.filter(_subject_q(subject)).select_related("thread", "raised_by")


def consultations_for(subject: Application | Institution | Person, user: Any) -> QuerySet[ConsultationThread]:
    return (ConsultationThread.objects.for_user(user).filter(_subject_q(subject))
            .select_related("opened_by", "closed_by").order_by("-opened_at"))


def thread_list(user: Any, *, status: str = "") -> QuerySet[ConsultationThread]:
    qs = ConsultationThread.objects.for_user(user).select_related("opened_by", "authority")
    if status in ThreadStatus.values:
        qs = qs.filter(status=status)
    return qs


def readers_by_message(thread: ConsultationThread) -> dict[int, list[str]]:
    """Read receipts: for each message id, who (other than its author) has read it."""
    reads = list(ConsultationRead.objects.filter(thread=thread).select_related("user"))
    out: dict[int, list[str]] = {}
    for msg in thread.messages.all():
        out[msg.pk] = [str(r.user) for r in reads if r.last_message_id >= msg.pk and r.user_id != msg.author_id]
    return out


# -- the practitioner–institution graph --------------------------------------------------------------------
@dataclass
class SubjectRow:
    code: str
    name: str
    physicians: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.physicians)


@dataclass
class PhysicianRow:
    registration_id: int
    name: str
    relation: str
    scopes: list[str]
    unoffered: list[str]

    @property
    def ok(self) -> bool:
        return not self.unoffered


@dataclass
class GraphReport:
    institution: Institution
    subjects: list[SubjectRow]
    physicians: list[PhysicianRow]

    @property
    def uncovered(self) -> list[SubjectRow]:
        return [s for s in self.subjects if not s.covered]

    @property
    def outside_scope(self) -> list[PhysicianRow]:
        return [p for p in self.physicians if not p.ok]


def _registrations_at(inst: Institution) -> list[tuple[PracticeRegistration, str, list[str]]]:
    """(registration, relation, scope codes) of active physicians practising at ``inst`` (main or 备案)."""
    main = PracticeRegistration.objects.filter(
        main_institution=inst, status=RegistrationStatus.ACTIVE, profession=Profession.PHYSICIAN
    ).select_related("person")
    rows: list[tuple[PracticeRegistration, str, list[str]]] = [(r, "main", list(r.scope_codes or [])) for r in main]
    from medreg.people.models import PracticeSite

    filed = PracticeSite.objects.filter(
        institution=inst, kind="filed", status="active", registration__status=RegistrationStatus.ACTIVE,
        registration__profession=Profession.PHYSICIAN,
    ).select_related("registration__person")
    seen = {r.pk for r, _rel, _s in rows}
    for site in filed:
        if site.registration_id not in seen:
            seen.add(site.registration_id)
            rows.append((site.registration, "filed", list(site.scope_codes or site.registration.scope_codes or [])))
    return rows


def graph_report(inst: Institution) -> GraphReport:
    """The institution's 诊疗科目 against its physicians' 执业范围 (mapping table
    ``supervision/data/scope_subjects.csv``): 科目 with no qualified physician, and physicians with a scope
    the institution does not offer. The caller has already scoped ``inst``."""
    subject_names = ref.code_map("clinical_subject")
    scope_names = ref.code_map("practice_scope")
    registered = list(inst.subjects.values_list("code", flat=True))
    offered_top = {rules.top_subject(c) for c in registered}
    mapping = rules.scope_subject_map()
    subjects = [SubjectRow(c, subject_names[c].name if c in subject_names else c) for c in registered]
    physicians: list[PhysicianRow] = []
    for reg, relation, scopes in _registrations_at(inst):
        qualified = rules.subjects_for_scopes(scopes)
        for row in subjects:
            if rules.top_subject(row.code) in qualified:
                row.physicians.append(reg.person.name)
        unoffered = [s for s in scopes if s in mapping and not (mapping[s] & offered_top)]
        physicians.append(PhysicianRow(
            reg.pk, reg.person.name, relation,
            [scope_names[s].name if s in scope_names else s for s in scopes],
            [scope_names[s].name if s in scope_names else s for s in unoffered],
        ))
    physicians.sort(key=lambda p: (p.ok, p.name))
    return GraphReport(inst, subjects, physicians)


def warnings_for_institution(inst: Institution, user: Any, *, via: Any = None) -> QuerySet[RegistrationWarning]:
    return (RegistrationWarning.objects.for_user(user, "view", via=via).filter(institution=inst)
            .select_related("person", "registration"))


def warnings_for_person(person: Person, user: Any) -> QuerySet[RegistrationWarning]:
    return RegistrationWarning.objects.for_user(user, "view", via="person").filter(person=person).select_related(
        "institution")
