"""Permission matrix over every endpoint: anonymous, individuals (own / other), institution staff (own /
other), authority staff (own / other jurisdiction), a province watching its city, and national staff.

A denied write must leave nothing behind: no new audit event, no new application, no status change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityLevel, Role
from medreg.api.tests.conftest import ApiClient, drive, form_data, png_bytes, token_for
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.models import AuditEvent
from medreg.demo.world import DEFAULT_PASSWORD, register_physician

# Who can see an application decided by the city commission, for the hospital, about the applicant.
VIEW = {"applicant", "own_institution", "city_clerk", "city_reviewer", "city_approver", "province_clerk",
        "province_approver", "national_staff"}
# Who is in scope to act on it (a province may watch the city's queue but not decide for it).
ACT = {"applicant", "own_institution", "city_clerk", "city_reviewer", "city_approver", "national_staff"}


@pytest.fixture
def actors(world, activated) -> dict[str, Any]:
    other_physician = register_physician(world, name="李四", username="lisi_md")
    national = accounts.create_authority(acting_user=None, name="国家卫生健康委员会", level=AuthorityLevel.NATIONAL,
                                         division_code=None)
    nhc = accounts.create_staff_account(acting_user=None, authority=national, username="nhc_staff",
                                        real_name="国家委员", password=DEFAULT_PASSWORD,
                                        roles=[Role.CLERK, Role.REVIEWER, Role.APPROVER])
    return {
        "anonymous": None,
        "applicant": activated,
        "other_individual": other_physician,
        "own_institution": world.hospital_admin,
        "other_institution": world.other_admin,
        "city_clerk": world.city.users[Role.CLERK],
        "city_reviewer": world.city.users[Role.REVIEWER],
        "city_approver": world.city.users[Role.APPROVER],
        "province_clerk": world.province.users[Role.CLERK],
        "province_approver": world.province.users[Role.APPROVER],
        "county_clerk": world.county.users[Role.CLERK],
        "other_province_clerk": world.other_province.users[Role.CLERK],
        "national_staff": nhc,
    }


@pytest.fixture
def clients(actors) -> dict[str, ApiClient]:
    return {name: ApiClient(token_for(user) if user else None) for name, user in actors.items()}


@dataclass(frozen=True)
class Write:
    name: str
    state: str
    allowed: str
    method: str
    path: str
    body: Any = None
    authority_action: bool = False  # the service locks with for_user(..., "act")

    def call(self, client: ApiClient, app_id: int):
        path = self.path.format(id=app_id)
        if self.method == "upload":
            return client.upload(path, "photo", "p.png", png_bytes(), "image/png")
        if self.method == "patch":
            return client.patch(path, self.body)
        return client.post(path, self.body)


WRITES = [
    Write("update", Status.DRAFT, "applicant", "patch", "/applications/{id}", {"data": {"school": "云南大学"}}),
    Write("attach", Status.DRAFT, "applicant", "upload", "/applications/{id}/attachments"),
    Write("submit", Status.DRAFT, "applicant", "post", "/applications/{id}/actions/submit", {}),
    Write("withdraw", Status.SUBMITTED, "applicant", "post", "/applications/{id}/actions/withdraw", {"reason": "不办了"}),
    Write("resubmit", Status.CORRECTION, "applicant", "post", "/applications/{id}/actions/resubmit", {}),
    Write("confirm", Status.SUBMITTED, "own_institution", "post", "/applications/{id}/actions/confirm", {}),
    Write("return", Status.SUBMITTED, "own_institution", "post", "/applications/{id}/actions/return",
          {"reason": "材料不全"}),
    Write("correction", Status.RECEIVED, "city_clerk", "post", "/applications/{id}/actions/correction",
          {"items": ["照片不清晰"]}, authority_action=True),
    Write("accept", Status.RECEIVED, "city_clerk", "post", "/applications/{id}/actions/accept", {},
          authority_action=True),
    Write("review", Status.ACCEPTED, "city_reviewer", "post", "/applications/{id}/actions/review",
          {"opinion": "符合条件", "recommend": "approve"}, authority_action=True),
    Write("approve", Status.REVIEWED, "city_approver", "post", "/applications/{id}/actions/approve", {},
          authority_action=True),
    Write("refuse", Status.REVIEWED, "city_approver", "post", "/applications/{id}/actions/refuse",
          {"reason": "不符合条件", "grounds": ["医师法第十六条"]}, authority_action=True),
    Write("extend", Status.ACCEPTED, "city_approver", "post", "/applications/{id}/actions/extend",
          {"reason": "需要现场核查"}, authority_action=True),
]


def expected_denial(actor: str, write: Write) -> int:
    if actor == "anonymous":
        return 401
    if actor not in VIEW or (write.authority_action and actor not in ACT):
        return 404  # existence does not leak
    if write.state == Status.DRAFT:
        return 404  # a draft is the applicant's alone until it is submitted
    return 403


def _app_in(world, physician, state: str) -> Application:
    if state == Status.CORRECTION:
        app = drive(world, physician, Status.RECEIVED)
        return apps.request_correction(app.pk, acting_user=world.city.users[Role.CLERK], items=["照片不清晰"])
    return drive(world, physician, state)


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_only_the_right_actor_can_write_and_denied_writes_leave_no_trace(world, activated, clients, write):
    app = _app_in(world, activated, write.state)
    for actor, client in clients.items():
        if actor == write.allowed:
            continue
        # given the state before the call
        events, status, attachments = AuditEvent.objects.count(), app.status, app.attachments.count()
        form = dict(Application.objects.get(pk=app.pk).form_data)
        # when a wrong actor tries the write
        r = write.call(client, app.pk)
        # then it is refused with the scope-appropriate status, as problem+json, and nothing changed
        want = expected_denial(actor, write)
        assert r.status_code == want, (actor, r.status_code, r.content)
        assert r["Content-Type"].startswith("application/problem+json")
        app.refresh_from_db()
        assert AuditEvent.objects.count() == events, actor
        assert app.status == status and app.attachments.count() == attachments and app.form_data == form, actor

    # and the right actor succeeds (so the refusals above were about the actor, not the state)
    events = AuditEvent.objects.count()
    r = write.call(clients[write.allowed], app.pk)
    assert r.status_code in (200, 201), r.content
    assert AuditEvent.objects.count() > events


def test_reads_follow_the_scope(world, activated, clients):
    app = drive(world, activated, Status.SUBMITTED)
    for actor, client in clients.items():
        detail = client.get(f"/applications/{app.pk}")
        listing = client.get("/applications")
        if actor == "anonymous":
            assert detail.status_code == listing.status_code == 401
        elif actor in VIEW:
            assert detail.status_code == 200 and detail.json()["number"] == app.number, actor
            assert app.pk in [a["id"] for a in listing.json()["items"]], actor
        else:
            assert detail.status_code == 404, actor
            assert listing.status_code == 200 and listing.json()["items"] == [], actor


def test_province_may_watch_the_city_queue_but_not_act_on_it(world, activated, clients):
    app = drive(world, activated, Status.RECEIVED)
    province = clients["province_clerk"]
    assert province.get(f"/applications/{app.pk}").json()["status"] == "received"
    events = AuditEvent.objects.count()
    for path, body in (("accept", {}), ("correction", {"items": ["缺少材料"]})):
        r = province.post(f"/applications/{app.pk}/actions/{path}", body)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and AuditEvent.objects.count() == events


@pytest.mark.parametrize("actor", ["anonymous", "own_institution", "city_clerk", "other_individual"])
def test_only_a_registered_individual_can_start_an_application(world, activated, clients, actor):
    events, count = AuditEvent.objects.count(), Application.objects.count()
    r = clients[actor].post("/applications", {"item_code": "PHY-REG-FIRST", "data": form_data(world, activated)})
    assert r.status_code == (401 if actor == "anonymous" else 400), r.content
    assert AuditEvent.objects.count() == events and Application.objects.count() == count


def test_me_and_my_licences_are_the_callers_own(world, activated, actors, clients):
    drive(world, activated, Status.APPROVED)
    for actor, client in clients.items():
        me, licences = client.get("/me"), client.get("/me/licences")
        if actor == "anonymous":
            assert me.status_code == licences.status_code == 401
            continue
        assert me.json()["username"] == actors[actor].username
        expected = 1 if actor == "applicant" else 0
        assert len(licences.json()) == expected, actor


def test_public_endpoints_answer_everyone(world, activated, clients):
    for actor in ("anonymous", "applicant", "city_clerk"):
        client = clients[actor]
        assert client.get("/items").status_code == 200
        assert client.get("/items/PHY-REG-FIRST").status_code == 200
        assert client.get("/institutions", {"q": "昆明"}).status_code == 200
        assert client.get("/reference/practice_scope").status_code == 200
        assert client.get("/divisions").status_code == 200
        assert client.post("/verify", {"qr": "not a licence"}).status_code == 400
