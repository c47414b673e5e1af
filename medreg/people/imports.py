"""Importing legacy registry records (physicians and nurses already registered before MedReg).

A province moving to MedReg brings its existing registers: each record is a person with a
qualification, an active affiliation with an institution and an active practice registration. They
are bulk-inserted in batches — one transaction and one summary audit event per batch — because
row-by-row services would take hours for a province's hundreds of thousands of practitioners.
The audit event carries counts only: never a name, an ID number or a certificate number.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.errors import DomainError, PermissionDenied
from medreg.core.models import Counter
from medreg.core.pii import blind_index
from medreg.core.scoping import scope_info
from medreg.people.choices import (
    AffiliationStatus,
    Profession,
    QualificationSource,
    RegistrationStatus,
    SiteKind,
)
from medreg.people.models import Affiliation, Person, PracticeRegistration, PracticeSite, QualificationRecord
from medreg.people.rules import practice_division_for
from medreg.people.services import CATEGORY_CERT_CODES, id_index

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.institutions.models import Institution

DEFAULT_BATCH_SIZE = 2000
NURSE_REGISTRATION_YEARS = 5
NURSE_CERT_SERIAL_DIGITS = 8


@dataclass(frozen=True)
class LegacyPractitioner:
    """One legacy register entry. Personal numbers are kept out of ``repr`` (it may reach a log)."""

    profession: str
    name: str
    id_number: str = field(repr=False)
    institution_id: int
    registered_on: date
    qualification_obtained_on: date
    level_code: str = ""  # physicians: practice_level
    category_code: str = ""  # physicians: practice_category
    scope_codes: tuple[str, ...] = ()
    qualification_code: str = field(default="", repr=False)  # 医师资格证书编码 (embeds the ID number)
    certificate_no: str = ""  # empty: a new number is allocated from the register's sequence
    valid_until: date | None = None  # nurses: empty means registered_on + 5 years
    department: str = ""
    education: str = ""
    school: str = ""
    title: str = ""


@dataclass(frozen=True)
class RejectedRecord:
    """A record that was not imported: its position in the input and the reasons (codes only)."""

    index: int
    codes: tuple[str, ...]


@dataclass
class ImportResult:
    import_id: str
    batches: int = 0
    persons: int = 0
    qualifications: int = 0
    affiliations: int = 0
    physician_registrations: int = 0
    nurse_registrations: int = 0
    skipped_existing: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)

    @property
    def registrations(self) -> int:
        return self.physician_registrations + self.nurse_registrations


def import_legacy_practitioners(
    records: Iterable[LegacyPractitioner], *, acting_user: User | None, batch_size: int = DEFAULT_BATCH_SIZE,
    source: str = "legacy",
) -> ImportResult:
    """Bulk-create Person, QualificationRecord, Affiliation and PracticeRegistration rows.

    ``acting_user`` is ``None`` for a system job, or an authority admin: then only institutions in
    their jurisdiction can be named (others are rejected as unknown). Persons whose ID number is
    already registered are skipped, so re-running an import is harmless. Each batch is one
    transaction with one ``qualification.imported`` audit event holding counts. Invalid records are
    rejected and reported by position with error codes; the rest of the batch is imported.
    """
    if acting_user is not None and not acting_user.is_superuser:
        info = scope_info(acting_user)
        if not (info.national or any(r == Role.AUTHORITY_ADMIN for r, _a, _i in info.roles)):
            raise PermissionDenied(_("只有卫生健康行政部门的管理员可以导入历史注册数据。"), code="not_admin")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    result = ImportResult(import_id=uuid.uuid4().hex[:12])
    offset = 0
    for batch in _chunks(records, batch_size):
        with transaction.atomic():
            _import_batch(batch, offset=offset, acting_user=acting_user, result=result, source=source)
        offset += len(batch)
    return result


def _chunks(records: Iterable[LegacyPractitioner], size: int) -> Iterator[list[LegacyPractitioner]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def _institutions(ids: set[int], acting_user: User | None) -> dict[int, Institution]:
    from medreg.institutions.models import Institution

    qs = Institution.objects.all() if acting_user is None else Institution.objects.for_user(acting_user, "view")
    return {i.pk: i for i in qs.filter(pk__in=sorted(ids), status="active").select_related("licensing_authority")}


def _reserve(name: str, count: int) -> int:
    """Reserve ``count`` consecutive values of a :class:`Counter`; returns the first one."""
    Counter.objects.get_or_create(name=name)
    row = Counter.objects.select_for_update().get(name=name)
    first = row.value + 1
    row.value += count
    row.save(update_fields=["value"])
    return first


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass
class _Row:
    index: int
    rec: LegacyPractitioner
    cid: identifiers.CitizenId
    index_hash: str
    institution: Institution
    place: str
    scopes: list[str]
    qualification_code: str = ""
    certificate_no: str = ""


def _check(
    i: int, rec: LegacyPractitioner, institutions: dict[int, Institution], scope_parents: dict[str, str],
    levels: set[str], categories: set[str], today: date,
) -> tuple[_Row | None, list[str]]:
    codes: list[str] = []
    cid = None
    try:
        cid = identifiers.validate_citizen_id(rec.id_number)
    except DomainError as exc:
        codes.extend(e.code for e in exc.errors)
    name = (rec.name or "").strip()
    if not (2 <= len(name) <= 30):
        codes.append("name")
    inst = institutions.get(rec.institution_id)
    if inst is None:
        codes.append("unknown_institution")
    if rec.profession not in Profession.values:
        codes.append("profession")
    if rec.registered_on > today or rec.qualification_obtained_on > rec.registered_on:
        codes.append("dates")
    scopes = [str(s).strip() for s in rec.scope_codes if str(s).strip()]
    qual_code = ""
    if rec.profession == Profession.PHYSICIAN:
        if rec.level_code not in levels:
            codes.append("level")
        if rec.category_code not in categories:
            codes.append("category")
        if not scopes or len(set(scopes)) != len(scopes) or len(scopes) > 3:
            codes.append("scope_count")
        elif any(s not in scope_parents or scope_parents[s] not in ("", rec.category_code) for s in scopes):
            codes.append("scope_category")
        if rec.qualification_code:
            try:
                parsed = identifiers.validate_physician_qualification_code(rec.qualification_code)
            except DomainError as exc:
                codes.extend(e.code for e in exc.errors[:1])
            else:
                qual_code = parsed.code
                if cid is not None and parsed.citizen_id.number != cid.number:
                    codes.append("qualcode_other_person")
    cert = ""
    if rec.certificate_no:
        try:
            cert = (identifiers.validate_practice_certificate_no(rec.certificate_no)
                    if rec.profession == Profession.PHYSICIAN
                    else identifiers.normalise_nurse_certificate_no(rec.certificate_no))
        except DomainError as exc:
            codes.extend(e.code for e in exc.errors)
    if codes or cid is None or inst is None:
        return None, codes
    if rec.profession == Profession.PHYSICIAN:
        place = practice_division_for(inst, rec.level_code)
    else:
        place = inst.division_code  # a nurse's 执业地点 is the institution itself
    return _Row(i, rec, cid, id_index(cid.number), inst, place, scopes, qual_code, cert), []


def _allocate_certificates(rows: list[_Row]) -> None:
    """Give rows without a certificate number the next numbers of the register's sequences."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        if row.certificate_no:
            continue
        if row.rec.profession == Profession.PHYSICIAN:
            # The same sequence as people.services.next_certificate_no, so later approvals never collide.
            prefix = f"{row.rec.level_code}{CATEGORY_CERT_CODES[row.rec.category_code]}{row.place}"
            groups.setdefault(f"cert:{prefix}", []).append(row)
        else:
            year = row.rec.registered_on.year
            groups.setdefault(f"nurse-cert:{year}{row.place[:2]}", []).append(row)
    for name, members in groups.items():
        first = _reserve(name, len(members))
        for n, row in enumerate(members):
            serial = first + n
            if name.startswith("cert:"):
                prefix = name[len("cert:"):]
                row.certificate_no = identifiers.build_practice_certificate_no(
                    int(prefix[0]), prefix[1:3], prefix[3:], serial)
            else:
                if serial >= 10 ** NURSE_CERT_SERIAL_DIGITS:
                    raise RuntimeError("nurse certificate sequence exhausted")
                row.certificate_no = f"{name[len('nurse-cert:'):]}{serial:0{NURSE_CERT_SERIAL_DIGITS}d}"


def _import_batch(
    batch: list[LegacyPractitioner], *, offset: int, acting_user: User | None, result: ImportResult, source: str,
) -> None:
    from medreg.institutions.models import Department
    from medreg.reference.models import Code

    today = timezone.localdate()
    now = timezone.now()
    institutions = _institutions({r.institution_id for r in batch}, acting_user)
    scope_parents = dict(Code.objects.filter(table="practice_scope").values_list("code", "parent_code"))
    levels = set(Code.objects.filter(table="practice_level").values_list("code", flat=True))
    categories = set(Code.objects.filter(table="practice_category").values_list("code", flat=True))

    rows: list[_Row] = []
    rejected: Tally[str] = Tally()
    seen: set[str] = set()
    for n, rec in enumerate(batch):
        row, codes = _check(offset + n, rec, institutions, scope_parents, levels, categories, today)
        if row is not None and row.index_hash in seen:
            row, codes = None, ["duplicate_in_import"]
        if row is None:
            result.rejected.append(RejectedRecord(offset + n, tuple(codes)))
            rejected.update(codes)
            continue
        seen.add(row.index_hash)
        rows.append(row)

    existing = set(Person.objects.filter(id_index__in=[r.index_hash for r in rows]).values_list("id_index", flat=True))
    skipped = sum(1 for r in rows if r.index_hash in existing)
    rows = [r for r in rows if r.index_hash not in existing]

    given = [r.certificate_no for r in rows if r.certificate_no]
    if given:
        taken = set(PracticeRegistration.objects.filter(certificate_no__in=given).values_list("certificate_no", flat=True))
        counts = Tally(given)
        clash = [r for r in rows if r.certificate_no and (r.certificate_no in taken or counts[r.certificate_no] > 1)]
        for r in clash:
            result.rejected.append(RejectedRecord(r.index, ("certificate_taken",)))
        rejected.update("certificate_taken" for _r in clash)
        rows = [r for r in rows if r not in clash]
    _allocate_certificates(rows)

    persons = Person.objects.bulk_create([
        Person(name=r.rec.name.strip(), gender=r.cid.gender, id_number=r.cid.number, id_index=r.index_hash,
               birth_date=r.cid.birth_date.isoformat(), education=r.rec.education[:30], school=r.rec.school[:100],
               title=r.rec.title[:30])
        for r in rows
    ])
    # Exam-centre records that arrived before this person existed are linked now.
    orphans = QualificationRecord.objects.filter(id_index__in=[r.index_hash for r in rows], person__isnull=True)
    by_index = {p.id_index: p for p in persons}
    for qual in orphans.only("pk", "id_index"):
        QualificationRecord.objects.filter(pk=qual.pk).update(person=by_index[qual.id_index])

    QualificationRecord.objects.bulk_create([
        QualificationRecord(
            profession=r.rec.profession, id_index=r.index_hash, name=p.name, level_code=r.rec.level_code,
            category_code=r.rec.category_code, certificate_code=r.qualification_code,
            certificate_index=blind_index(r.qualification_code, purpose="qualification-code") if r.qualification_code else "",
            obtained_on=r.rec.qualification_obtained_on, source=QualificationSource.LEGACY_IMPORT, synced_at=now,
            person=p,
        )
        for r, p in zip(rows, persons, strict=True)
    ])

    departments = {
        (d.institution_id, d.name): d.pk
        for d in Department.objects.filter(institution_id__in={r.institution.pk for r in rows}).only("pk", "institution_id", "name")
    }
    Affiliation.objects.bulk_create([
        Affiliation(
            person=p, institution=r.institution, department_id=departments.get((r.institution.pk, r.rec.department.strip())),
            status=AffiliationStatus.ACTIVE, activated_at=now,
        )
        for r, p in zip(rows, persons, strict=True)
    ])
    registrations = PracticeRegistration.objects.bulk_create([
        PracticeRegistration(
            person=p, holder_name=p.name, profession=r.rec.profession, level_code=r.rec.level_code, category_code=r.rec.category_code,
            scope_codes=r.scopes, practice_division_id=r.place, main_institution=r.institution,
            authority=r.institution.licensing_authority,
            authority_division_code=r.institution.licensing_authority.division_code,
            certificate_no=r.certificate_no, status=RegistrationStatus.ACTIVE, registered_on=r.rec.registered_on,
            valid_until=r.rec.valid_until or (
                _add_years(r.rec.registered_on, NURSE_REGISTRATION_YEARS) if r.rec.profession == Profession.NURSE else None
            ),
        )
        for r, p in zip(rows, persons, strict=True)
    ])
    # every registration practises at its main institution from the day it was registered
    PracticeSite.objects.bulk_create([
        PracticeSite(
            registration=reg, person=p, institution=r.institution, kind=SiteKind.MAIN, start_on=reg.registered_on,
            scope_codes=reg.scope_codes, authority_id=reg.authority_id,
            authority_division_code=reg.authority_division_code,
        )
        for r, p, reg in zip(rows, persons, registrations, strict=True)
    ])

    physicians = sum(1 for r in rows if r.rec.profession == Profession.PHYSICIAN)
    result.batches += 1
    result.persons += len(persons)
    result.qualifications += len(persons)
    result.affiliations += len(persons)
    result.physician_registrations += physicians
    result.nurse_registrations += len(persons) - physicians
    result.skipped_existing += skipped
    info = scope_info(acting_user)
    audit.record(
        EventType.LEGACY_IMPORTED, actor=acting_user, subject=("people.legacyimport", f"{result.import_id}:{result.batches}"),
        authority_id=min(info.authority_ids) if info.authority_ids else None,
        data={
            "source": source[:60], "import": result.import_id, "batch": result.batches, "records": len(batch),
            "persons": len(persons), "qualifications": len(persons), "affiliations": len(persons),
            "registrations": {"physician": physicians, "nurse": len(persons) - physicians},
            "skipped_existing": skipped, "rejected": dict(sorted(rejected.items())),
            "institutions": len({r.institution.pk for r in rows}),
        },
    )
