"""The personal archive (活档): who sees what (self, institution within employment, authority), the PDF,
the portal pages and the API endpoints, each with a permission matrix."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from medreg.accounts import services as accounts
from medreg.accounts.choices import Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import NotFound
from medreg.demo.world import DEFAULT_PASSWORD
from medreg.people import records
from medreg.people.archive import archive_access, archive_pdf, timeline
from medreg.people.models import Assessment, Penalty
from medreg.people.tests.records_helpers import registered

D = dt.timedelta(days=1)
API = "/api/v1/records"


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def reg(world, physician):
    reg = registered(world, physician)
    clerk = world.city.users[Role.CLERK]
    person = reg.person
    records.record_assessment(
        person.pk,
        acting_user=clerk,
        data={
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "assessed_on": today().isoformat(),
            "result": "pass",
        },
    )
    records.record_practice_record(
        person.pk,
        acting_user=clerk,
        data={
            "profession": "physician",
            "kind": "good",
            "recorded_on": today().isoformat(),
            "summary": "抗疫表彰",
        },
    )
    records.record_practice_record(
        person.pk,
        acting_user=clerk,
        data={"profession": "physician", "kind": "bad", "recorded_on": "2020-05-01", "summary": "早年记录"},
    )
    records.record_circumstance(
        person.pk,
        acting_user=clerk,
        data={"kind": "health_unfit", "start_on": "2021-01-01", "end_on": "2021-03-01", "note": "已痊愈"},
    )
    records.record_training(
        person.pk,
        acting_user=world.hospital_admin,
        data={
            "kind": "cme",
            "title": "急救培训",
            "start_on": today().isoformat(),
            "end_on": today().isoformat(),
            "hours": "8",
        },
    )
    records.record_penalty(
        person.pk,
        acting_user=world.city.users[Role.APPROVER],
        data={
            "profession": "physician",
            "kind": "warning",
            "start_on": today().isoformat(),
            "reason": "病历书写不规范",
        },
    )
    return reg


def categories(entries) -> set[str]:
    return {e.category for e in entries}


# -- selectors -------------------------------------------------------------------------------------------
def test_the_practitioner_sees_the_whole_timeline(reg, physician):
    access = archive_access(physician, reg.person.pk)
    assert access.capacity == "self" and access.full
    entries = timeline(access)
    assert {
        "qualification",
        "employment",
        "registration",
        "assessment",
        "training",
        "penalty",
        "record",
        "circumstance",
    } <= categories(entries)
    assert entries == sorted(entries, key=lambda e: (e.on, e.category), reverse=True)
    text = json.dumps([e.as_dict() for e in entries], ensure_ascii=False)
    assert reg.person.id_number not in text
    assert reg.certificate_no in text


def test_the_institution_sees_only_its_period_of_employment_and_no_circumstances(world, reg):
    access = archive_access(world.hospital_admin, reg.person.pk)
    assert access.capacity == "institution" and access.windows[0][0] == today()
    entries = timeline(access)
    summaries = [e.detail for e in entries]
    assert "抗疫表彰" in summaries and "早年记录" not in summaries
    assert "circumstance" not in categories(entries)
    assert "qualification" not in categories(entries)  # obtained before the employment began


def test_employment_window_ends_with_the_affiliation(world, reg):
    from medreg.people.archive import Entry, _in_windows

    windows = [(today() - 100 * D, today() - 10 * D)]
    assert _in_windows(Entry(today() - 10 * D, "record", "x"), windows)
    assert not _in_windows(Entry(today() - 9 * D, "record", "x"), windows)
    assert not _in_windows(Entry(today() - 101 * D, "record", "x"), windows)
    assert _in_windows(Entry(today() - 101 * D, "penalty", "x", end=today() - 100 * D), windows)


@pytest.mark.parametrize(
    "who,capacity",
    [
        ("city", "authority"),
        ("province", "authority"),
        ("county", "authority"),
        ("other_province", None),
        ("other_institution", None),
        ("anonymous", None),
        ("another_physician", None),
    ],
)
def test_archive_access_matrix(world, reg, who, capacity):
    from medreg.demo.world import register_physician

    users = {
        "city": world.city.users[Role.REVIEWER],
        "province": world.province.users[Role.CLERK],
        "county": world.county.users[Role.CLERK],
        "other_province": world.other_province.users[Role.APPROVER],
        "other_institution": world.other_admin,
        "anonymous": AnonymousUser(),
    }
    user = users.get(who) or register_physician(world, name="李四", username="lisi")
    if capacity is None:
        with pytest.raises(NotFound):
            archive_access(user, reg.person.pk)
    else:
        assert archive_access(user, reg.person.pk).capacity == capacity


def test_pdf_is_a_pdf_with_the_cjk_font_embedded(world, reg, physician):
    content = archive_pdf(archive_access(physician, reg.person.pk))
    assert content.startswith(b"%PDF") and len(content) > 5000
    assert b"NotoSans" in content


# -- portal pages ------------------------------------------------------------------------------------------
def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_individual_archive_page_shows_the_timeline_and_pdf_link(reg, physician):
    body = login(physician).get("/portal/me/archive/").content.decode()
    assert 'id="archive-timeline"' in body and "抗疫表彰" in body and "急救培训" in body
    assert reg.person.id_number not in body
    r = login(physician).get("/portal/me/archive.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(event_type=EventType.ARCHIVE_EXPORTED, actor=physician).count() == 1


def test_individual_pdf_matrix(world, reg):
    assert Client().get("/portal/me/archive.pdf").status_code == 302
    assert login(world.hospital_admin).get("/portal/me/archive.pdf").status_code == 404
    assert login(world.city.users[Role.CLERK]).get("/portal/me/archive.pdf").status_code == 404


@pytest.mark.parametrize(
    "who,status",
    [
        ("anonymous", 302),
        ("individual", 404),
        ("own_institution", 200),
        ("other_institution", 404),
        ("city", 404),
    ],
)
def test_institution_archive_page_matrix(world, reg, physician, who, status):
    url = f"/portal/institution/staff/{reg.person.pk}/archive/"
    users = {
        "individual": physician,
        "own_institution": world.hospital_admin,
        "other_institution": world.other_admin,
        "city": world.city.users[Role.CLERK],
    }
    client = Client() if who == "anonymous" else login(users[who])
    r = client.get(url)
    assert r.status_code == status
    if status == 200:
        body = r.content.decode()
        assert "抗疫表彰" in body and "早年记录" not in body and "已痊愈" not in body
        assert "仅显示该人员在本机构执业期间的记录" in body and 'id="assessment-due"' not in body
        pdf = client.get(f"/portal/institution/staff/{reg.person.pk}/archive.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    else:
        assert client.get(f"/portal/institution/staff/{reg.person.pk}/archive.pdf").status_code == status


@pytest.mark.parametrize(
    "who,status",
    [
        ("anonymous", 302),
        ("individual", 404),
        ("institution", 404),
        ("city", 200),
        ("province", 200),
        ("other_province", 404),
    ],
)
def test_authority_archive_page_matrix(world, reg, physician, who, status):
    url = f"/portal/authority/people/{reg.person.pk}/archive/"
    users = {
        "individual": physician,
        "institution": world.hospital_admin,
        "city": world.city.users[Role.REVIEWER],
        "province": world.province.users[Role.CLERK],
        "other_province": world.other_province.users[Role.CLERK],
    }
    client = Client() if who == "anonymous" else login(users[who])
    r = client.get(url)
    assert r.status_code == status
    if status == 200:
        body = r.content.decode()
        assert "已痊愈" in body and 'id="form-penalty"' in body
        assert client.get(f"/portal/authority/people/{reg.person.pk}/archive.pdf").status_code == 200
        search = client.get("/portal/authority/people/", {"q": reg.person.name}).content.decode()
        assert f"/portal/authority/people/{reg.person.pk}/archive/" in search


def test_authority_records_through_the_portal_form_and_errors_leave_nothing(world, reg):
    client = login(world.city.users[Role.CLERK])
    url = f"/portal/authority/people/{reg.person.pk}/records/assessment/"
    before = Assessment.objects.count()
    r = client.post(
        url,
        {
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "assessed_on": today().isoformat(),
            "result": "fail",
        },
        follow=True,
    )
    assert r.status_code == 200 and Assessment.objects.count() == before + 1
    assert (
        'id="open-proposals"' not in r.content.decode()
    )  # a clerk may not decide: the form is for approvers
    n = AuditEvent.objects.count()
    r = client.post(url, {"period_start": "x", "result": "pass"}, follow=True)
    assert "日期格式" in r.content.decode()
    assert AuditEvent.objects.count() == n
    other = login(world.other_province.users[Role.APPROVER])
    assert other.post(url, {"result": "pass"}).status_code == 404
    assert login(world.hospital_admin).post(url, {"result": "pass"}).status_code == 404
    assert AuditEvent.objects.count() == n


def test_approver_decides_a_proposal_in_the_portal(world, reg):
    a = records.record_assessment(
        reg.person.pk,
        acting_user=world.city.users[Role.CLERK],
        data={
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "assessed_on": today().isoformat(),
            "result": "fail",
        },
    )
    proposal = a.proposals.get()
    client = login(world.city.users[Role.APPROVER])
    assert (
        f'id="proposal-{proposal.pk}"'
        in client.get(f"/portal/authority/people/{reg.person.pk}/archive/").content.decode()
    )
    r = client.post(f"/portal/authority/proposals/{proposal.pk}/decide/", {"accept": "1", "months": "3"})
    assert r.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and Penalty.objects.filter(kind="assessment_suspension").exists()
    assert (
        login(world.other_province.users[Role.APPROVER])
        .post(f"/portal/authority/proposals/{proposal.pk}/decide/", {"accept": "0"})
        .status_code
        == 404
    )


# -- API ---------------------------------------------------------------------------------------------------
def api(user=None) -> Client:
    c = Client()
    if user is not None:
        token, _row = accounts.issue_api_token(username=user.username, password=DEFAULT_PASSWORD)
        c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def post(client: Client, path: str, body: dict):
    return client.post(API + path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "who,status,capacity",
    [
        ("anonymous", 401, None),
        ("self", 200, "self"),
        ("own_institution", 200, "institution"),
        ("other_institution", 404, None),
        ("city", 200, "authority"),
        ("other_province", 404, None),
    ],
)
def test_api_archive_matrix(world, reg, physician, who, status, capacity):
    users = {
        "self": physician,
        "own_institution": world.hospital_admin,
        "other_institution": world.other_admin,
        "city": world.city.users[Role.CLERK],
        "other_province": world.other_province.users[Role.CLERK],
    }
    client = api(users.get(who))
    r = client.get(f"{API}/persons/{reg.person.pk}/archive")
    assert r.status_code == status
    if status == 200:
        data = r.json()
        assert data["capacity"] == capacity and data["entries"]
        assert reg.person.id_number not in r.content.decode()
        pdf = client.get(f"{API}/persons/{reg.person.pk}/archive.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_api_me_archive_and_bars(world, reg, physician):
    client = api(physician)
    assert client.get(f"{API}/me/archive").json()["person_id"] == reg.person.pk
    assert client.get(f"{API}/persons/{reg.person.pk}/registration-bars").json() == []
    records.record_penalty(
        reg.person.pk,
        acting_user=world.city.users[Role.APPROVER],
        data={
            "profession": "physician",
            "kind": "revocation",
            "start_on": today().isoformat(),
            "reason": "吊销",
        },
    )
    bars = client.get(f"{API}/persons/{reg.person.pk}/registration-bars").json()
    assert [b["code"] for b in bars] == ["bar_revocation"] and bars[0]["message_en"]
    assert (
        api(world.hospital_admin).get(f"{API}/persons/{reg.person.pk}/registration-bars").status_code == 404
    )
    assert api().get(f"{API}/me/archive").status_code == 401


@pytest.mark.parametrize(
    "path,body",
    [
        (
            "assessments",
            {
                "period_start": "2023-01-01",
                "period_end": "2025-12-31",
                "assessed_on": "2026-01-05",
                "result": "fail",
            },
        ),
        (
            "penalties",
            {"profession": "physician", "kind": "warning", "start_on": "2026-01-05", "reason": "警告"},
        ),
        (
            "practice-records",
            {"profession": "nurse", "kind": "good", "recorded_on": "2026-01-05", "summary": "好"},
        ),
        ("circumstances", {"kind": "criminal_penalty", "start_on": "2020-01-01", "end_on": "2021-01-01"}),
        (
            "trainings",
            {
                "kind": "residency",
                "title": "规培",
                "start_on": "2023-01-01",
                "end_on": "2025-12-31",
                "hours": "3000",
            },
        ),
    ],
)
def test_api_record_endpoints_matrix(world, reg, physician, path, body):
    url = f"/persons/{reg.person.pk}/{path}"
    before = AuditEvent.objects.filter(event_type__gte=280, event_type__lte=299).count()
    assert post(api(), url, body).status_code == 401
    assert post(api(physician), url, body).status_code == 404
    assert post(api(world.other_admin), url, body).status_code == 404
    assert post(api(world.other_province.users[Role.APPROVER]), url, body).status_code == 404
    if path != "trainings":
        assert post(api(world.hospital_admin), url, body).status_code == 404
    n = AuditEvent.objects.filter(event_type__gte=280, event_type__lte=299).count()
    assert n == before  # denied writes leave no audit row
    r = post(api(world.city.users[Role.APPROVER]), url, body)
    assert r.status_code == 201, r.content
    assert r.json()["person_id"] == reg.person.pk
    assert AuditEvent.objects.filter(event_type__gte=280, event_type__lte=299).count() > n
    bad = post(api(world.city.users[Role.APPROVER]), url, {k: "" for k in body})
    assert bad.status_code in (400, 422)


def test_api_proposals_list_and_decision(world, reg):
    a = records.record_assessment(
        reg.person.pk,
        acting_user=world.city.users[Role.CLERK],
        data={
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "assessed_on": today().isoformat(),
            "result": "fail",
        },
    )
    approver = api(world.city.users[Role.APPROVER])
    listed = approver.get(f"{API}/proposals").json()
    assert [p["id"] for p in listed] == [a.proposals.get().pk]
    assert api(world.other_province.users[Role.APPROVER]).get(f"{API}/proposals").json() == []
    pid = listed[0]["id"]
    assert (
        post(
            api(world.hospital_admin), f"/proposals/{pid}/decision", {"accept": True, "months": 3}
        ).status_code
        == 404
    )
    r = post(approver, f"/proposals/{pid}/decision", {"accept": True, "months": 9})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "months_range"
    r = post(approver, f"/proposals/{pid}/decision", {"accept": True, "months": 4})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["penalty_id"]


def test_national_staff_see_and_record_everywhere(world, reg):
    from medreg.demo.world import make_authority

    national = make_authority("国家卫生健康委员会", "national", None, rng=world.rng, username_prefix="nhc")
    clerk = national.users[Role.CLERK]
    assert archive_access(clerk, reg.person.pk).capacity == "authority"
    assert login(clerk).get(f"/portal/authority/people/{reg.person.pk}/archive/").status_code == 200
    r = api(clerk).get(f"{API}/persons/{reg.person.pk}/archive")
    assert r.status_code == 200 and r.json()["capacity"] == "authority"
    a = records.record_assessment(
        reg.person.pk,
        acting_user=clerk,
        data={
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "assessed_on": today().isoformat(),
            "result": "pass",
        },
    )
    assert a.authority == national.authority


def test_assessment_cycle_due_date(world, reg):
    from medreg.people.archive import assessment_due_on

    # the fixture recorded a pass for 2023-01-01..2025-12-31: the next cycle ends three years later
    assert assessment_due_on(reg.person) == dt.date(2028, 12, 31)
    client = login(world.city.users[Role.CLERK])
    assert "2028-12-31" in client.get(f"/portal/authority/people/{reg.person.pk}/archive/").content.decode()
    assert (
        api(world.city.users[Role.CLERK])
        .get(f"{API}/persons/{reg.person.pk}/archive")
        .json()["assessment_due_on"]
        == "2028-12-31"
    )


def test_assessment_cycle_due_date_from_first_registration(world, physician):
    from medreg.people.archive import assessment_due_on
    from medreg.people.eligibility import add_years

    assert assessment_due_on(physician.person) is None
    reg = registered(world, physician)
    assert assessment_due_on(reg.person) == add_years(reg.registered_on, 3) - D
