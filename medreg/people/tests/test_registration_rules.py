"""Self-registration and first-registration rules, each with the clear error a user sees."""

from __future__ import annotations

import pytest

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.tests.test_first_registration_flow import activate, draft
from medreg.audit.models import AuditEvent
from medreg.core import identifiers
from medreg.core.errors import DomainError
from medreg.demo import ids
from medreg.demo.world import DEFAULT_PASSWORD, drive, make_physician_qualification
from medreg.people import services as people
from medreg.people.models import Person, QualificationRecord


def codes(exc) -> list[str]:
    return [e.code for e in exc.value.errors]


def register(**kw):
    base = dict(acting_user=None, name="王芳", phone="13900001111", password=DEFAULT_PASSWORD, username="wangfang")
    return people.register_individual(**{**base, **kw})


def test_bad_id_checksum_is_refused_with_nothing_saved(world):
    _rec, number = make_physician_qualification(rng=world.rng, name="王芳", division_code="530102")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as exc:
        register(id_number=wrong)
    assert codes(exc) == ["id_checksum"]
    assert exc.value.errors[0].field == "id_number"
    assert "校验" in exc.value.errors[0].render("zh-hans")
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_unsynced_qualification_gets_its_own_message(world):
    number = ids.citizen_id(world.rng, "530102")
    with pytest.raises(DomainError) as exc:
        register(id_number=number)
    assert codes(exc) == ["qualification_not_synced"]
    assert "资格信息尚未同步" in exc.value.errors[0].render("zh-hans")


def test_name_must_match_the_qualification(world):
    _rec, number = make_physician_qualification(rng=world.rng, name="王芳", division_code="530102")
    with pytest.raises(DomainError) as exc:
        register(id_number=number, name="王方")
    assert codes(exc) == ["name_mismatch"]


def test_an_id_can_register_only_once(world):
    _rec, number = make_physician_qualification(rng=world.rng, name="王芳", division_code="530102")
    register(id_number=number)
    with pytest.raises(DomainError) as exc:
        register(id_number=number, username="wangfang2")
    assert codes(exc) == ["id_taken"]


def test_qualification_code_must_embed_the_same_id(world):
    number = ids.citizen_id(world.rng, "530102")
    other = ids.citizen_id(world.rng, "530102")
    code = ids.physician_qualification_code(2024, "53", "1", "10", other)
    with pytest.raises(DomainError) as exc:
        people.import_physician_qualification(acting_user=None, name="赵六", id_number=number,
                                              certificate_code=code, obtained_on="2024-08-01")
    assert codes(exc) == ["qualcode_id_mismatch"]
    assert not QualificationRecord.objects.filter(name="赵六").exists()


def test_qualification_code_is_stored_encrypted_and_masked_for_display(world):
    record, number = make_physician_qualification(rng=world.rng, name="钱七", division_code="530102")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT certificate_code FROM people_qualificationrecord WHERE id = %s", [record.pk])
        raw = cur.fetchone()[0]
    assert number not in raw
    assert number not in identifiers.mask_qualification_code(record.certificate_code)


def test_scope_outside_the_qualification_category_is_refused(world, physician):
    activate(world, physician)
    qual = physician.person.qualifications.first()
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-FIRST", acting_user=physician, data={
            "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["31"],
        })
    assert codes(exc) == ["scope_category"]
    assert exc.value.errors[0].field == "scope_codes"


def test_a_second_active_registration_in_the_same_place_is_refused(world, physician):
    activate(world, physician)
    drive(world, physician, draft(world, physician).pk, "approved")
    again = draft(world, physician)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(again.pk, acting_user=physician)
    assert "duplicate_registration" in codes(exc)


def test_refusal_needs_a_reason_and_records_it(world, physician):
    activate(world, physician)
    app = draft(world, physician)
    c = world.city.users
    drive(world, physician, app.pk, "accepted")
    apps.review_application(app.pk, acting_user=c[Role.REVIEWER], opinion="不符合", recommend="refuse")
    with pytest.raises(DomainError) as exc:
        apps.refuse_application(app.pk, acting_user=c[Role.APPROVER], reason="  ")
    assert codes(exc) == ["required"]
    app = apps.refuse_application(app.pk, acting_user=c[Role.APPROVER], reason="聘用证明无效",
                                  grounds=["材料不真实"])
    assert app.status == "refused" and app.refusal_grounds == ["材料不真实"]
    assert not physician.person.registrations.exists()


def test_a_second_correction_notice_is_refused(world, physician):
    activate(world, physician)
    app = draft(world, physician)
    c = world.city.users
    drive(world, physician, app.pk, "received")
    apps.request_correction(app.pk, acting_user=c[Role.CLERK], items=["照片"])
    apps.resubmit_correction(app.pk, acting_user=physician)
    with pytest.raises(DomainError) as exc:
        apps.request_correction(app.pk, acting_user=c[Role.CLERK], items=["聘用证明"])
    assert codes(exc) == ["correction_once"]


def test_withdrawal_before_decision_and_not_after(world, physician):
    activate(world, physician)
    app = draft(world, physician)
    apps.submit_application(app.pk, acting_user=physician)
    app = apps.withdraw_application(app.pk, acting_user=physician, reason="改投其他机构")
    assert app.status == "withdrawn"
    with pytest.raises(DomainError) as exc:
        apps.withdraw_application(app.pk, acting_user=physician)
    assert codes(exc) == ["invalid_transition"]
