"""Cross-cutting protections: redirects, sign-in limits and audit, registration limits, health."""

from __future__ import annotations

import logging

import pytest

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityKind, AuthorityLevel, Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError
from medreg.core.masking import PIILogFilter
from medreg.demo.world import DEFAULT_PASSWORD
from medreg.licences.models import SigningKey


def test_healthz_answers_ok(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_notification_read_refuses_an_offsite_next(client, world, physician):
    note = physician.notifications.create(title="t", body="b")
    client.force_login(physician)
    r = client.post(f"/portal/me/notifications/{note.pk}/read/", {"next": "https://evil.example/x"})
    assert r.status_code == 302 and "evil.example" not in r["Location"]


def test_sign_in_is_audited_and_limited_per_login_name(client, world, settings):
    settings.MEDREG = {**settings.MEDREG, "LOGIN_RATE": "100/m", "LOGIN_NAME_RATE": "3/h"}
    for _ in range(3):
        r = client.post("/accounts/login/", {"username": "km_clerk", "password": "wrong"})
        assert r.status_code == 200
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, subject_id="km_clerk").count() == 3
    r = client.post("/accounts/login/", {"username": "km_clerk", "password": DEFAULT_PASSWORD})
    assert r.status_code == 429  # even the right password waits once the name is being guessed
    assert not AuditEvent.objects.filter(event_type=EventType.LOGIN_SUCCEEDED).exists()


def test_successful_sign_in_is_audited(client, world):
    r = client.post("/accounts/login/", {"username": "km_clerk", "password": DEFAULT_PASSWORD})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_SUCCEEDED,
                                     actor=world.city.users[Role.CLERK]).count() == 1


def test_self_registration_is_rate_limited(client, db, settings):
    settings.MEDREG = {**settings.MEDREG, "REGISTER_RATE": "2/h"}
    data = {"name": "某某", "id_number": "11010519491231002X", "phone": "13900000000", "username": "someone",
            "password": "Xx!23456789", "password2": "Xx!23456789", "profession": "physician"}
    assert client.post("/accounts/register/", data).status_code == 400
    assert client.post("/accounts/register/", data).status_code == 400
    assert client.post("/accounts/register/", data).status_code == 429


def test_log_records_never_carry_an_id_number_even_in_a_traceback():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", ("11010519491231002X",), None)
    try:
        raise ValueError("bad id 11010519491231002X phone 13812345678")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    PIILogFilter().filter(record)
    text = record.getMessage() + (record.exc_text or "")
    assert "11010519491231002X" not in text and "13812345678" not in text
    assert "ValueError" in text


def test_a_public_status_list_request_creates_no_key(client, world):
    before = (SigningKey.objects.count(), AuditEvent.objects.count())
    assert client.get(f"/api/v1/status/{world.county.authority.pk}").status_code == 404
    assert (SigningKey.objects.count(), AuditEvent.objects.count()) == before


def test_an_admin_cannot_create_accounts_at_a_sibling_authority(world):
    bureau = accounts.create_authority(acting_user=None, name="昆明市行政审批局", level=AuthorityLevel.CITY,
                                       division_code="530100", kind=AuthorityKind.APPROVAL_BUREAU)
    with pytest.raises(DomainError):
        accounts.create_staff_account(acting_user=world.city.users[Role.AUTHORITY_ADMIN], authority=bureau,
                                      username="bureau_admin", real_name="某", password=DEFAULT_PASSWORD,
                                      roles=[Role.AUTHORITY_ADMIN])
    # the province above both may
    accounts.create_staff_account(acting_user=world.province.users[Role.AUTHORITY_ADMIN], authority=bureau,
                                  username="bureau_admin", real_name="某", password=DEFAULT_PASSWORD,
                                  roles=[Role.AUTHORITY_ADMIN])
