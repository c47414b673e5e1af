"""The demo province: valid identifiers, every workflow state, idempotency, and a PII-free legacy import."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from medreg.accounts.choices import Role
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.audit.services import verify_chain
from medreg.core import identifiers
from medreg.core.errors import DomainError
from medreg.demo import builder, catalogue, ids
from medreg.demo.builder import SMALL
from medreg.institutions.models import Institution
from medreg.licences import services as licences
from medreg.people import services as people
from medreg.people.imports import LegacyPractitioner, import_legacy_practitioners
from medreg.people.models import Affiliation, Person, PracticeRegistration, QualificationRecord


@pytest.fixture
def demo(db):
    return builder.build_demo(SMALL)


def _table_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label.startswith(("accounts", "people", "institutions", "applications", "licences", "audit"))}


def test_small_demo_has_the_configured_shape(demo):
    assert demo.created
    assert Institution.objects.count() == SMALL.institutions
    regs = PracticeRegistration.objects.filter(source_application__isnull=True)
    assert regs.filter(profession="physician").count() == SMALL.physicians
    assert regs.filter(profession="nurse").count() == SMALL.nurses
    assert demo.imported is not None and not demo.imported.rejected
    # the national authority, the province, 2 cities and 3 counties, each with every staff role
    from medreg.accounts.models import Authority

    assert Authority.objects.count() == 1 + 1 + SMALL.cities + SMALL.counties
    for authority in Authority.objects.all():
        roles = set(authority.memberships.values_list("role", flat=True))
        assert roles == {Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN}
    journey = Institution.objects.get(name=catalogue.JOURNEY_INSTITUTION)
    assert journey.licensing_authority.name == "昆明市卫生健康委员会"
    assert verify_chain()[0]


def test_institution_identifiers_are_valid_and_cross_checked(demo):
    for inst in Institution.objects.select_related("licensing_authority"):
        assert identifiers.validate_uscc(inst.uscc) == inst.uscc
        parsed = identifiers.parse_registration_no(inst.registration_no)
        assert identifiers.cross_check_registration_no_with_uscc(parsed.number, inst.uscc)
        assert (parsed.category_code, parsed.division_code) == (inst.category_code, inst.division_code)
        assert inst.division_code.startswith(inst.licensing_authority.division_prefix)
        assert inst.subjects.exists() and inst.departments.exists()
        assert (inst.beds == 0) == (inst.category_code in ("D110", "D211", "D600"))
        assert inst.memberships.filter(role=Role.INSTITUTION_ADMIN).exists()


def test_practitioner_records_are_valid(demo):
    today = date.today()
    for reg in PracticeRegistration.objects.select_related("person", "main_institution", "authority"):
        person = reg.person
        cid = identifiers.validate_citizen_id(person.id_number)
        assert people.id_index(cid.number) == person.id_index and cid.gender == person.gender
        assert reg.status == "active" and reg.authority_id == reg.main_institution.licensing_authority_id
        assert Affiliation.objects.filter(person=person, institution=reg.main_institution, status="active").exists()
        main_site = reg.sites.get(kind="main", status="active")
        assert (main_site.institution_id, main_site.start_on) == (reg.main_institution_id, reg.registered_on)
        if reg.profession == "physician":
            identifiers.validate_practice_certificate_no(reg.certificate_no)
            qual = person.qualifications.get(profession="physician")
            code = identifiers.validate_physician_qualification_code(qual.certificate_code)
            assert code.citizen_id.number == cid.number
            assert (qual.level_code, qual.category_code) == (reg.level_code, reg.category_code)
            assert reg.valid_until is None
        else:
            assert reg.valid_until == reg.registered_on.replace(year=reg.registered_on.year + 5)
            assert reg.valid_until > today
            assert 12 <= len(reg.certificate_no) <= 15 and reg.certificate_no.isdigit()
    assert PracticeRegistration.objects.values("certificate_no").distinct().count() == PracticeRegistration.objects.count()


def test_applications_stand_in_every_workflow_state(demo):
    states = set(Application.objects.filter(item_code="PHY-REG-FIRST").values_list("status", flat=True))
    assert states == set(Status.values)
    first = Application.objects.filter(item_code="PHY-REG-FIRST")
    for app in first.filter(status=Status.APPROVED):
        lic = app.result_registration.licences.get(status="valid")
        assert licences.verify_qr(lic.qr_payload).valid
    for app in first.exclude(status=Status.DRAFT):
        assert app.attachments.filter(kind="photo").exists()
    assert Application.objects.get(status=Status.CORRECTION).clock_pauses.filter(ended_on__isnull=True).exists()


def test_an_approved_physician_has_a_filed_site_and_a_change_waiting_for_the_decision(demo):
    from medreg.people.models import PracticeSite

    filed = PracticeSite.objects.get(kind="filed", person__user__username="dr_approved")
    assert filed.status == "active" and filed.end_on is not None
    assert filed.institution.licensing_authority_id == filed.authority_id
    change = Application.objects.get(item_code="PHY-REG-CHANGE")
    assert change.status == Status.REVIEWED and change.target_registration_id == filed.registration_id


def test_a_second_run_creates_nothing(demo):
    before = _table_counts()
    again = builder.build_demo(SMALL)
    assert not again.created
    assert _table_counts() == before


def test_the_newcomer_can_self_register_at_the_journey_institution(demo):
    open_before = builder.open_newcomers()
    assert open_before[0].name == "李明华" and open_before[0].id_number == builder.NEWCOMER_ID
    assert len(open_before) == SMALL.newcomers
    user = people.register_individual(acting_user=None, name=builder.NEWCOMER_NAME, id_number=builder.NEWCOMER_ID,
                                      phone=builder.NEWCOMER_PHONE, password="Medreg!2026", username="limh",
                                      profession="physician")
    inst = Institution.objects.get(name=catalogue.JOURNEY_INSTITUTION)
    admin = inst.memberships.get(role=Role.INSTITUTION_ADMIN).user
    builder.activate(user, inst, admin)
    assert user.person.affiliations.get().status == "active"
    assert [nc.name for nc in builder.open_newcomers()] == [nc.name for nc in open_before[1:]]


def test_legacy_import_writes_no_personal_data_into_the_audit_log(demo):
    imported = AuditEvent.objects.filter(event_type=EventType.LEGACY_IMPORTED)
    batches = -(-(SMALL.physicians + SMALL.nurses) // SMALL.batch_size)
    assert imported.count() == batches
    assert sum(e.data["persons"] for e in imported) == SMALL.physicians + SMALL.nurses
    secrets = set()
    for person in Person.objects.all():
        secrets.update({person.id_number, person.id_number[:17], person.birth_date})
    for qual in QualificationRecord.objects.exclude(certificate_code=""):
        secrets.add(qual.certificate_code)
    legacy_names = set(Person.objects.filter(user__isnull=True).values_list("name", flat=True))
    for event in AuditEvent.objects.all():
        blob = json.dumps(event.data, ensure_ascii=False)
        leaked = [s for s in secrets if s and s in blob]
        assert not leaked, f"personal data in audit event #{event.seq} ({event.get_event_type_display()})"
        if event.event_type == EventType.LEGACY_IMPORTED:
            assert not any(name in blob for name in legacy_names)


def test_scale_adds_practitioners_to_the_demo_province(db):
    result, _seconds = builder.scale(25, config=SMALL, batch_size=10)
    assert result.physician_registrations == 15 and result.nurse_registrations == 10
    assert result.batches == 3 and not result.rejected
    again, _ = builder.scale(5, config=SMALL)
    assert again.persons == 5  # a new seed per run: people are added, not skipped


# -- the import service itself ------------------------------------------------------------------------
def _record(rng, inst, **overrides):
    number = overrides.pop("id_number", None) or ids.citizen_id(rng, "530102")
    today = date.today()
    values = {
        "profession": "physician", "name": "王建华", "id_number": number, "institution_id": inst.pk,
        "registered_on": today - timedelta(days=400), "qualification_obtained_on": today - timedelta(days=800),
        "level_code": "1", "category_code": "1", "scope_codes": ("11",), "department": "内科",
    }
    values.update(overrides)
    return LegacyPractitioner(**values)


def test_import_rejects_bad_records_and_skips_people_already_registered(world):
    import random

    rng = random.Random(5)
    inst = world.hospital
    good = _record(rng, inst)
    bad_checksum = good.id_number[:17] + ("0" if good.id_number[17] != "0" else "1")
    records = [
        good,
        _record(rng, inst, id_number=good.id_number),  # the same person twice in one batch
        _record(rng, inst, id_number=bad_checksum),
        _record(rng, inst, institution_id=world.other_hospital.pk),  # outside the province admin's scope
        _record(rng, inst, scope_codes=("31",)),  # 口腔 scope on a 临床 qualification
        _record(rng, inst, profession="nurse", level_code="", category_code="", scope_codes=()),
        _record(rng, inst, id_number=good.id_number),  # already imported by the first batch
    ]
    admin = world.province.users[Role.AUTHORITY_ADMIN]
    result = import_legacy_practitioners(records, acting_user=admin, batch_size=4)
    assert (result.physician_registrations, result.nurse_registrations) == (1, 1)
    assert {r.index: r.codes for r in result.rejected} == {
        1: ("duplicate_in_import",), 2: ("id_checksum",), 3: ("unknown_institution",), 4: ("scope_category",)}
    assert result.skipped_existing == 1
    events = AuditEvent.objects.filter(event_type=EventType.LEGACY_IMPORTED).order_by("seq")
    assert [e.data["persons"] for e in events] == [1, 1]
    assert events[0].data["rejected"] == {"duplicate_in_import": 1, "id_checksum": 1, "unknown_institution": 1}
    assert events[0].actor_id == admin.pk
    nurse = PracticeRegistration.objects.get(profession="nurse")
    assert nurse.valid_until == nurse.registered_on.replace(year=nurse.registered_on.year + 5)
    assert Affiliation.objects.get(person=nurse.person).department.name == "内科"
    # the bulk insert copies each holder's name (the public name search reads it)
    assert sorted(PracticeRegistration.objects.values_list("holder_name", flat=True)) == sorted(
        PracticeRegistration.objects.values_list("person__name", flat=True)) and nurse.holder_name
    # running it again skips both people
    again = import_legacy_practitioners([good], acting_user=None)
    assert again.persons == 0 and again.skipped_existing == 1


def test_imported_certificate_numbers_continue_the_live_sequence(world):
    import random

    rng = random.Random(9)
    import_legacy_practitioners([_record(rng, world.hospital), _record(rng, world.hospital)], acting_user=None)
    numbers = set(PracticeRegistration.objects.values_list("certificate_no", flat=True))
    assert len(numbers) == 2
    assert people.next_certificate_no("1", "1", "530000") not in numbers


def test_only_authority_admins_may_import(world):
    import random

    clerk = world.city.users[Role.CLERK]
    with pytest.raises(DomainError) as exc:
        import_legacy_practitioners([_record(random.Random(1), world.hospital)], acting_user=clerk)
    assert exc.value.status_code == 403
    assert not Person.objects.exists()


def test_a_record_does_not_show_its_id_number_in_repr(world):
    import random

    rec = _record(random.Random(3), world.hospital)
    assert rec.id_number not in repr(rec)
