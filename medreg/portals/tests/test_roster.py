"""机构端 records pages: roster with statuses and Excel export, batch confirmation, phone reset.
Permission matrix for every view; denied writes leave no audit row."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.demo.world import register_physician
from medreg.people import records
from medreg.people.services import phone_index
from medreg.people.tests.records_helpers import activate, draft

INST = "/portal/institution"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def staff(world, physician):
    activate(world, physician)
    return physician


PAGES = ["/roster/", "/roster/export.xlsx", "/applications/batch-confirm/"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_matrix(world, staff, page):
    assert Client().get(INST + page).status_code == 302
    assert login(staff).get(INST + page).status_code == 404
    assert login(world.city.users[Role.APPROVER]).get(INST + page).status_code == 404
    assert login(world.hospital_admin).get(INST + page).status_code == 200
    assert login(world.other_admin).get(INST + page).status_code == 200  # its own (empty) roster


def test_roster_shows_status_and_dates_and_filters(world, staff):
    client = login(world.hospital_admin)
    body = client.get(INST + "/roster/").content.decode()
    assert staff.person.name in body and "在岗" in body and "未在本机构注册" in body
    assert staff.person.id_number not in body
    assert staff.person.name not in client.get(INST + "/roster/", {"status": "retired"}).content.decode()
    assert staff.person.name not in login(world.other_admin).get(INST + "/roster/").content.decode()


def test_roster_has_no_n_plus_one(world, django_assert_max_num_queries):
    for i in range(6):
        activate(world, register_physician(world, name=f"医师{i}", username=f"doc{i}"))
    client = login(world.hospital_admin)
    client.get(INST + "/roster/")
    with django_assert_max_num_queries(10):
        body = client.get(INST + "/roster/").content.decode()
    assert body.count('id="staff-') == 6


def test_roster_excel_export(world, staff):
    r = login(world.hospital_admin).get(INST + "/roster/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][0] == world.hospital.name
    assert rows[1][0] == "姓名" and rows[2][0] == staff.person.name and rows[2][3] == "在岗"
    assert AuditEvent.objects.filter(
        event_type=EventType.ROSTER_EXPORTED, institution_id=world.hospital.pk
    ).exists()


def test_batch_confirmation_reports_each_application(world, staff):
    other = register_physician(world, name="王五", username="wangwu")
    activate(world, other)
    a1 = draft(world, staff)
    a2 = draft(world, other)
    apps.submit_application(a1.pk, acting_user=staff)
    apps.submit_application(a2.pk, acting_user=other)
    # another institution cannot confirm them: per-item 404, nothing audited
    n = AuditEvent.objects.filter(event_type=EventType.APPLICATION_CONFIRMED).count()
    results = records.batch_confirm_applications([a1.pk], acting_user=world.other_admin)
    assert [r.ok for r in results] == [False] and results[0].errors[0]["code"] == "not_found"
    assert AuditEvent.objects.filter(event_type=EventType.APPLICATION_CONFIRMED).count() == n
    client = login(world.hospital_admin)
    body = client.get(INST + "/applications/batch-confirm/").content.decode()
    assert f'id="app-{a1.pk}"' in body and f'id="app-{a2.pk}"' in body
    r = client.post(INST + "/applications/batch-confirm/", {"application": [a1.pk, a2.pk, 999999]})
    body = r.content.decode()
    assert r.status_code == 200 and f'id="result-{a1.pk}"' in body and 'id="result-999999"' in body
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.status == a2.status == "received"
    assert AuditEvent.objects.filter(event_type=EventType.APPLICATION_CONFIRMED).count() == n + 2
    # a second run reports them as no longer waiting
    again = records.batch_confirm_applications([a1.pk, "x", a1.pk], acting_user=world.hospital_admin)
    assert [(r.application_id, r.ok) for r in again] == [(a1.pk, False)]


def test_phone_reset_by_own_institution(world, staff):
    url = f"{INST}/staff/{staff.person.pk}/phone/"
    client = login(world.hospital_admin)
    assert client.get(url).status_code == 200
    r = client.post(url, {"phone": "12345", "reason": ""})
    assert r.status_code == 400 and "11位" in r.content.decode()
    r = client.post(url, {"phone": "13912345678", "reason": "手机遗失，本人持证申请"})
    assert r.status_code == 302
    staff.refresh_from_db()
    assert staff.phone == "13912345678" and staff.phone_index == phone_index("13912345678")
    assert staff.phone_verified_at is None
    ev = AuditEvent.objects.get(event_type=EventType.PHONE_RESET_BY_INSTITUTION)
    assert ev.data["reason"] == "手机遗失，本人持证申请" and "13912345678" not in str(ev.data)
    assert staff.notifications.filter(title__contains="手机号码").exists()


@pytest.mark.parametrize("who", ["anonymous", "individual", "other_institution", "authority"])
def test_phone_reset_denied_leaves_nothing(world, staff, who):
    url = f"{INST}/staff/{staff.person.pk}/phone/"
    users = {
        "individual": staff,
        "other_institution": world.other_admin,
        "authority": world.city.users[Role.APPROVER],
    }
    client = Client() if who == "anonymous" else login(users[who])
    r = client.post(url, {"phone": "13912345678", "reason": "x"})
    assert r.status_code == (302 if who == "anonymous" else 404)
    staff.refresh_from_db()
    assert staff.phone == "13800138000"
    assert not AuditEvent.objects.filter(event_type=EventType.PHONE_RESET_BY_INSTITUTION).exists()


def test_phone_reset_only_for_active_staff(world, physician):
    from medreg.people import services as people

    people.request_activation(acting_user=physician, institution_id=world.hospital.pk)  # pending only
    assert (
        login(world.hospital_admin)
        .post(f"{INST}/staff/{physician.person.pk}/phone/", {"phone": "13912345678", "reason": "x"})
        .status_code
        == 404
    )


# -- API ----------------------------------------------------------------------------------------------------
def api(user=None) -> Client:
    from medreg.accounts import services as accounts
    from medreg.demo.world import DEFAULT_PASSWORD

    c = Client()
    if user is not None:
        token, _row = accounts.issue_api_token(username=user.username, password=DEFAULT_PASSWORD)
        c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def test_api_roster_export_and_phone_reset_matrix(world, staff):
    import json

    base = f"/api/v1/records/institutions/{world.hospital.pk}"
    assert api().get(base + "/roster").status_code == 401
    for user in (staff, world.other_admin, world.city.users[Role.APPROVER]):
        assert api(user).get(base + "/roster").status_code == 404
        assert api(user).get(base + "/roster.xlsx").status_code == 404
    rows = api(world.hospital_admin).get(base + "/roster").json()
    assert [(r["name"], r["status"]) for r in rows] == [(staff.person.name, "active")]
    assert api(world.hospital_admin).get(base + "/roster.xlsx").content[:2] == b"PK"
    url = f"{base}/staff/{staff.person.pk}/phone"
    body = json.dumps({"phone": "13912345678", "reason": "遗失"})
    for user in (staff, world.other_admin, world.city.users[Role.APPROVER]):
        assert api(user).post(url, body, content_type="application/json").status_code == 404
    assert not AuditEvent.objects.filter(event_type=EventType.PHONE_RESET_BY_INSTITUTION).exists()
    r = api(world.hospital_admin).post(url, body, content_type="application/json")
    assert r.status_code == 200 and r.json() == {"person_id": staff.person.pk, "phone_verified": False}
    batch = api(world.hospital_admin).post(
        base + "/batch-confirm", json.dumps({"application_ids": [424242]}), content_type="application/json"
    )
    assert batch.status_code == 200 and batch.json()[0]["ok"] is False
    assert (
        api(world.other_admin)
        .post(base + "/batch-confirm", json.dumps({"application_ids": [1]}), content_type="application/json")
        .status_code
        == 404
    )


def test_roster_renders_in_english(world, staff):
    client = login(world.hospital_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(INST + "/roster/").content.decode()
    assert 'lang="en"' in body and "Staff roster" in body and "Export to Excel" in body
