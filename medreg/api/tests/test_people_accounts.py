"""Self-registration, activation, institution rosters and account administration through the API.

The same service functions as the portals: every happy path is driven end to end, and every endpoint has a
permission matrix (anonymous, individuals, institution staff own / other, authority staff own / superior /
other jurisdiction, national staff). A denied write leaves nothing behind: no audit event, no account, no
authority, no affiliation change, no notification. No response ever carries an ID number or a phone number.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityKind, AuthorityLevel, Role
from medreg.accounts.models import Authority, Membership, User
from medreg.api.schemas import AuthorityIn
from medreg.api.tests.conftest import API, ApiClient, activate, drive, token_for
from medreg.applications.choices import Status
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.demo.world import DEFAULT_PASSWORD, make_physician_qualification, register_physician
from medreg.institutions.models import Institution
from medreg.notifications.models import Notification
from medreg.people import services as people
from medreg.people.models import Affiliation

PHONE = "13800138000"  # every physician the demo world registers uses this number
STAFF_PHONE = "13900001111"


def put(client: ApiClient, path: str, body: Any):
    return client.client.put(API + path, json.dumps(body), content_type="application/json",
                             headers=client._headers(None))


def activation_code(user) -> str:
    note = user.notifications.filter(title__contains="激活码").order_by("-pk").first()
    return note.body.split("：")[1][:6]


def assert_no_pii(response, *secrets: str) -> None:
    body = response.content.decode()
    for secret in (PHONE, STAFF_PHONE, *secrets):
        assert secret not in body, (secret, body)


# -- registration -------------------------------------------------------------------------------------------
@pytest.fixture
def qualification(world):
    """An exam-centre record for 王晓红, not yet registered: (record, ID number)."""
    return make_physician_qualification(rng=world.rng, name="王晓红", division_code="530102")


def signup(id_number: str, **overrides) -> dict[str, str]:
    body = {"name": "王晓红", "id_number": id_number, "phone": "13712345678", "username": "wangxh",
            "password": DEFAULT_PASSWORD, "profession": "physician"}
    body.update(overrides)
    return body


def test_register_creates_an_individual_account_and_echoes_no_personal_data(world, anon, qualification):
    _record, number = qualification
    events = AuditEvent.objects.count()
    r = anon.post("/register", signup(number))
    assert r.status_code == 201, r.content
    assert r.json() == {"username": "wangxh", "kind": "individual"}
    assert_no_pii(r, number, "13712345678")
    user = User.objects.get(username="wangxh")
    assert user.person.name == "王晓红" and user.person.qualifications.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.INDIVIDUAL_REGISTERED).count() == 1
    assert AuditEvent.objects.count() > events
    # the new account signs in and is an individual with no affiliation yet
    token = anon.post("/auth/token", {"username": "wangxh", "password": DEFAULT_PASSWORD}).json()["access_token"]
    me = ApiClient(token)
    assert me.get("/me").json()["person"]["name"] == "王晓红"
    assert me.get("/me/affiliations").json() == []
    assert_no_pii(me.get("/me"), number, "13712345678")


def test_register_errors_are_field_problems_that_never_repeat_the_id_number(world, anon, qualification, physician):
    _record, number = qualification
    bad_checksum = number[:17] + ("0" if number[17] != "0" else "1")
    cases = [
        (signup(bad_checksum), 400, "id_number", "id_checksum"),
        (signup(number, phone="12345"), 400, "phone", "phone"),
        (signup(number, name="李四"), 400, "name", "name_mismatch"),
        (signup(number, username=physician.username), 400, "username", "username_taken"),
        (signup(number, profession="surgeon"), 400, "profession", "profession"),
        (signup(physician.person.id_number, name=physician.person.name), 400, "id_number", "id_taken"),
        ({k: v for k, v in signup(number).items() if k != "password"}, 422, "password", "missing"),
        ({**signup(number), "extra": "x"}, 422, "extra", "extra_forbidden"),
    ]
    events, users = AuditEvent.objects.count(), User.objects.count()
    for body, status, field_name, code in cases:
        r = anon.post("/register", body)
        assert r.status_code == status, (body, r.content)
        assert r["Content-Type"].startswith("application/problem+json")
        assert (field_name, code) in [(e["field"], e["code"]) for e in r.json()["errors"]], r.json()
        assert_no_pii(r, number, bad_checksum, physician.person.id_number, "13712345678")
    assert AuditEvent.objects.count() == events and User.objects.count() == users


def test_register_without_a_synced_qualification_says_so(world, anon):
    from medreg.demo import ids

    number = ids.citizen_id(world.rng, "530102")
    r = anon.post("/register", signup(number))
    assert r.status_code == 400 and r.json()["code"] == "qualification_not_synced"
    assert r.json()["errors"][0]["field"] == "id_number"
    assert_no_pii(r, number)


def test_register_is_rate_limited_per_address(world, anon, settings):
    settings.MEDREG = {**settings.MEDREG, "API_REGISTER_RATE": "2/m"}
    codes = [anon.post("/register", signup("110101199003070000", username=f"nobody{i}")).status_code
             for i in range(3)]
    assert codes == [400, 400, 429]
    assert anon.post("/register", {}).json()["code"] == "throttled"


def test_register_is_public_and_runs_as_nobody_for_a_signed_in_caller(world, as_user, qualification):
    _record, number = qualification
    r = as_user(world.hospital_admin).post("/register", signup(number))
    assert r.status_code == 201
    event = AuditEvent.objects.get(event_type=EventType.INDIVIDUAL_REGISTERED)
    assert event.actor_id == User.objects.get(username="wangxh").pk  # not the hospital admin


# -- activation ---------------------------------------------------------------------------------------------
def test_activation_by_code_end_to_end(world, physician, as_user):
    me, staff = as_user(physician), as_user(world.hospital_admin)
    hospital = world.hospital.pk
    # the physician asks the hospital
    r = me.post("/me/activation-requests", {"institution_id": hospital})
    assert r.status_code == 201, r.content
    aff_id = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["institution"]["name"] == world.hospital.name
    assert me.post("/me/activation-requests", {"institution_id": hospital}).json()["id"] == aff_id  # idempotent
    mine = me.get("/me/affiliations").json()
    assert [(a["id"], a["status"], a["status_label"]) for a in mine] == [(aff_id, "pending", "待激活")]
    # the hospital sees the request with a masked phone, never the ID number
    r = staff.get(f"/institutions/{hospital}/activation-requests")
    assert r.status_code == 200
    (row,) = r.json()["items"]
    assert row["id"] == aff_id and row["person_name"] == physician.person.name
    assert row["phone_masked"] == "138****8000" and row["code_expires_at"] is None
    assert row["gender"] in ("M", "F") and row["gender_label"]
    assert_no_pii(r, physician.person.id_number)
    # and sends a code
    r = staff.post(f"/activation-requests/{aff_id}/send-code")
    assert r.status_code == 200 and r.json()["code_expires_at"]
    assert AuditEvent.objects.filter(event_type=EventType.ACTIVATION_CODE_SENT).count() == 1
    code = activation_code(physician)
    assert code not in r.content.decode()
    # a wrong code is refused on the field "code" and counted
    wrong = "000000" if code != "000000" else "111111"
    r = me.post("/me/activation", {"institution_id": hospital, "code": wrong})
    assert r.status_code == 400 and (r.json()["errors"][0]["field"], r.json()["code"]) == ("code", "bad_code")
    assert Affiliation.objects.get(pk=aff_id).activation_attempts == 1
    # the right one activates
    r = me.post("/me/activation", {"institution_id": hospital, "code": code})
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["activated_at"]
    assert me.get("/me/affiliations").json()[0]["status"] == "active"
    assert staff.get(f"/institutions/{hospital}/activation-requests").json()["items"] == []
    roster = staff.get(f"/institutions/{hospital}/roster").json()["items"]
    assert [(e["affiliation_id"], e["person_name"]) for e in roster] == [(aff_id, physician.person.name)]


def test_activation_errors_name_the_body_fields(world, physician, as_user):
    me = as_user(physician)
    r = me.post("/me/activation-requests", {"institution_id": 999999})
    assert r.status_code == 400
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("institution_id", "unknown_institution")]
    r = me.post("/me/activation", {"institution_id": world.hospital.pk, "code": "123456"})
    assert r.status_code == 400
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("institution_id", "no_pending")]
    r = me.post("/me/activation-requests", {"institution_id": "abc"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "institution_id"


def test_automatic_activation_mode(world, physician, as_user):
    staff = as_user(world.hospital_admin)
    r = put(staff, f"/institutions/{world.hospital.pk}/activation-mode", {"mode": "bogus"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "mode"
    r = put(staff, f"/institutions/{world.hospital.pk}/activation-mode", {"mode": "auto"})
    assert r.status_code == 200
    assert r.json() == {"institution": {"id": world.hospital.pk, "name": world.hospital.name},
                        "activation_mode": "auto", "activation_mode_label": "自动激活"}
    r = as_user(physician).post("/me/activation-requests", {"institution_id": world.hospital.pk})
    assert r.status_code == 201 and r.json()["status"] == "active"


# -- roster -------------------------------------------------------------------------------------------------
def _activated_physicians(world, n: int) -> list[User]:
    docs = [register_physician(world, name=f"测试医生{chr(0x4E00 + i)}", username=f"rosterdoc{i:02d}")
            for i in range(n)]
    for doc in docs:
        activate(world, doc)
    return docs


def test_roster_shows_registrations_and_pages_by_cursor(world, activated, as_user):
    app = drive(world, activated, Status.APPROVED)
    registration = app.result_registration
    _activated_physicians(world, 3)
    staff = as_user(world.hospital_admin)
    r = staff.get(f"/institutions/{world.hospital.pk}/roster")
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 4 and r.json()["next_cursor"] is None
    entry = next(e for e in items if e["person_name"] == activated.person.name)
    assert entry["registration"] == {"certificate_no": registration.certificate_no, "status": "active",
                                     "status_label": "有效"}
    assert entry["department"] == "" and entry["gender_label"]
    assert all(e["registration"] is None for e in items if e is not entry)
    assert_no_pii(r, activated.person.id_number)
    # cursor pagination walks every row once
    seen, params = [], {"limit": 3}
    while True:
        page = staff.get(f"/institutions/{world.hospital.pk}/roster", params).json()
        seen += [e["affiliation_id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 3, "cursor": page["next_cursor"]}
    assert len(seen) == 4
    assert sorted(seen) == sorted(e["affiliation_id"] for e in items) and len(seen) == len(set(seen))
    r = staff.get(f"/institutions/{world.hospital.pk}/roster", {"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"


def test_roster_query_count_does_not_grow_with_the_rows(world, activated, as_user):
    drive(world, activated, Status.APPROVED)
    staff = as_user(world.hospital_admin)
    path = f"/institutions/{world.hospital.pk}/roster"
    staff.get(path)  # warm the code-table cache
    with CaptureQueriesContext(connection) as one:
        assert len(staff.get(path).json()["items"]) == 1
    _activated_physicians(world, 5)
    with CaptureQueriesContext(connection) as six:
        assert len(staff.get(path).json()["items"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 8


# -- account administration ---------------------------------------------------------------------------------
def test_authority_admin_creates_a_subordinate_authority_its_staff_and_an_institution_account(world, as_user):
    admin = as_user(world.city.users[Role.AUTHORITY_ADMIN])
    r = admin.post("/authorities", {"name": "盘龙区卫生健康局", "level": "county", "division_code": "530103",
                                    "kind": "commission"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["parent"] == {"id": world.city.authority.pk, "name": world.city.authority.name}
    assert (body["level"], body["level_label"], body["division_name"]) == ("county", "县级", "盘龙区")
    new_id = body["id"]
    assert AuditEvent.objects.filter(event_type=EventType.AUTHORITY_CREATED, subject_id=str(new_id)).exists()

    r = admin.post(f"/authorities/{new_id}/staff", {
        "username": "pl_clerk", "real_name": "盘龙受理员", "password": DEFAULT_PASSWORD,
        "roles": ["clerk", "reviewer"], "phone": STAFF_PHONE})
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "staff" and "phone" not in r.json()
    assert sorted((x["role"], x["authority"]["id"]) for x in r.json()["roles"]) == [
        ("clerk", new_id), ("reviewer", new_id)]
    assert_no_pii(r)

    r = admin.post(f"/institutions/{world.hospital.pk}/accounts", {
        "username": "km1h_rev2", "real_name": "医务科", "password": DEFAULT_PASSWORD,
        "roles": ["institution_reviewer"], "phone": STAFF_PHONE})
    assert r.status_code == 201, r.content
    assert r.json()["roles"] == [{"role": "institution_reviewer", "label": "机构审核员", "authority": None,
                                  "institution": {"id": world.hospital.pk, "name": world.hospital.name}}]
    assert_no_pii(r)


def test_account_errors_are_field_problems(world, as_user):
    admin = as_user(world.city.users[Role.AUTHORITY_ADMIN])
    r = admin.post("/authorities", {"name": "某局", "level": "city", "division_code": "530102"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "division_code"
    r = admin.post("/authorities", {"name": "某局", "level": "county", "division_code": "530103", "kind": "bureau"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    staff = f"/authorities/{world.county.authority.pk}/staff"
    r = admin.post(staff, {"username": "pl_clerk", "real_name": "某人", "password": DEFAULT_PASSWORD,
                           "roles": ["institution_admin"]})
    assert r.status_code == 400 and [e["field"] for e in r.json()["errors"]] == ["roles"]
    r = admin.post(staff, {"username": "x", "real_name": "", "password": "1", "roles": ["clerk"], "phone": "123"})
    assert r.status_code == 400
    assert {"username", "real_name", "phone", "password"} <= {e["field"] for e in r.json()["errors"]}
    assert not User.objects.filter(username__in=["x", "pl_clerk"]).exists()


def test_the_authority_kind_contract_matches_the_choices():
    kinds = set(typing.get_args(AuthorityIn.model_fields["kind"].annotation))
    assert kinds == set(AuthorityKind.values)


# -- permission matrix --------------------------------------------------------------------------------------
@pytest.fixture
def actors(world, physician) -> dict[str, Any]:
    national = accounts.create_authority(acting_user=None, name="国家卫生健康委员会", level=AuthorityLevel.NATIONAL,
                                         division_code=None)
    nhc = accounts.create_staff_account(acting_user=None, authority=national, username="nhc_clerk",
                                        real_name="国家受理员", password=DEFAULT_PASSWORD, roles=[Role.CLERK])
    return {
        "anonymous": None,
        "individual": physician,
        "other_individual": register_physician(world, name="李四", username="lisi_md"),
        "own_institution": world.hospital_admin,
        "other_institution": world.other_admin,
        "city_admin": world.city.users[Role.AUTHORITY_ADMIN],
        "city_clerk": world.city.users[Role.CLERK],
        "province_admin": world.province.users[Role.AUTHORITY_ADMIN],
        "other_province_admin": world.other_province.users[Role.AUTHORITY_ADMIN],
        "national_clerk": nhc,
    }


@pytest.fixture
def clients(actors) -> dict[str, ApiClient]:
    return {name: ApiClient(token_for(user) if user else None) for name, user in actors.items()}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the context (see the ``ctx`` fixture)
    allowed: str
    denied: dict[str, int]  # actor -> status; actors in neither are also allowed and not called
    body: Callable[[dict[str, Any]], Any] = field(default=lambda ctx: None)

    def call(self, client: ApiClient, ctx: dict[str, Any]):
        path, body = self.path.format(**ctx), self.body(ctx)
        if self.method == "get":
            return client.get(path)
        if self.method == "put":
            return put(client, path, body)
        return client.post(path, body)


STAFF = ("own_institution", "other_institution", "city_admin", "city_clerk", "province_admin",
         "other_province_admin", "national_clerk")
EVERYONE_BUT_OWN_INSTITUTION = {a: 404 for a in ("individual", "other_individual", *STAFF) if a != "own_institution"}
ACCOUNT = {"username": "matrix_user", "real_name": "某人", "password": DEFAULT_PASSWORD, "phone": STAFF_PHONE}

WRITES = [
    Endpoint("request_activation", "post", "/me/activation-requests", "individual",
             {"anonymous": 401, **dict.fromkeys(STAFF, 403)},
             body=lambda ctx: {"institution_id": ctx["other_hospital"]}),
    Endpoint("activate", "post", "/me/activation", "individual",
             {"anonymous": 401, "other_individual": 400, **dict.fromkeys(STAFF, 403)},
             body=lambda ctx: {"institution_id": ctx["hospital"], "code": ctx["code"]}),
    Endpoint("send_code", "post", "/activation-requests/{aff}/send-code", "own_institution",
             {"anonymous": 401, **EVERYONE_BUT_OWN_INSTITUTION}),
    Endpoint("activation_mode", "put", "/institutions/{hospital}/activation-mode", "own_institution",
             {"anonymous": 401, **EVERYONE_BUT_OWN_INSTITUTION}, body=lambda ctx: {"mode": "auto"}),
    Endpoint("create_authority", "post", "/authorities", "city_admin",
             {"anonymous": 401, **dict.fromkeys(("individual", "other_individual", "own_institution",
                                                 "other_institution", "city_clerk", "other_province_admin",
                                                 "national_clerk"), 403)},
             body=lambda ctx: {"name": "盘龙区卫生健康局", "level": "county", "division_code": "530103"}),
    Endpoint("create_staff", "post", "/authorities/{county}/staff", "city_admin",
             {"anonymous": 401, "individual": 404, "other_individual": 404, "own_institution": 404,
              "other_institution": 404, "city_clerk": 403, "other_province_admin": 404, "national_clerk": 403},
             body=lambda ctx: {**ACCOUNT, "roles": ["clerk"]}),
    Endpoint("create_institution_account", "post", "/institutions/{hospital}/accounts", "city_admin",
             {"anonymous": 401, "individual": 404, "other_individual": 404, "own_institution": 403,
              "other_institution": 404, "city_clerk": 403, "province_admin": 403, "other_province_admin": 404,
              "national_clerk": 403},
             body=lambda ctx: {**ACCOUNT, "roles": ["institution_reviewer"]}),
]

# Actors who may also perform the write (the matrix calls only ``allowed``, once).
ALSO_ALLOWED = {
    "request_activation": {"other_individual"},
    "create_authority": {"province_admin"},
    "create_staff": {"province_admin"},
}


@pytest.fixture
def ctx(world, actors) -> dict[str, Any]:
    """A pending request of the individual, with a code sent (the code is in the individual's inbox)."""
    aff = people.request_activation(acting_user=actors["individual"], institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    return {"hospital": world.hospital.pk, "other_hospital": world.other_hospital.pk,
            "county": world.county.authority.pk, "aff": aff.pk,
            "code": activation_code(actors["individual"])}


def snapshot() -> tuple[Any, ...]:
    """Everything a write through these endpoints could change."""
    return (
        AuditEvent.objects.count(), User.objects.count(), Membership.objects.count(), Authority.objects.count(),
        Notification.objects.count(),
        sorted(Affiliation.objects.values_list("pk", "status", "activation_code_hash", "activation_attempts")),
        sorted(Institution.objects.values_list("pk", "activation_mode")),
    )


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.name)
def test_only_the_right_actor_can_write_and_denied_writes_leave_no_trace(world, actors, clients, ctx, endpoint):
    secrets = [u.person.id_number for u in actors.values() if u is not None and u.person_id]
    for actor, want in endpoint.denied.items():
        # given the state before the call
        before = snapshot()
        # when a wrong actor tries the write
        r = endpoint.call(clients[actor], ctx)
        # then it is refused with the scope-appropriate status, as problem+json, and nothing changed
        assert r.status_code == want, (actor, r.status_code, r.content)
        assert r["Content-Type"].startswith("application/problem+json")
        assert snapshot() == before, actor
        assert_no_pii(r, *secrets)
    # and the right actor succeeds (so the refusals above were about the actor, not the input)
    events = AuditEvent.objects.count()
    r = endpoint.call(clients[endpoint.allowed], ctx)
    assert r.status_code in (200, 201), r.content
    assert AuditEvent.objects.count() > events
    assert_no_pii(r, *secrets)


def test_every_actor_is_in_each_matrix(actors):
    for endpoint in WRITES:
        assert set(endpoint.denied) | {endpoint.allowed} | ALSO_ALLOWED.get(endpoint.name, set()) == set(actors), \
            endpoint.name



@pytest.mark.parametrize("path", ["/institutions/{hospital}/activation-requests", "/institutions/{hospital}/roster"])
def test_institution_lists_answer_only_its_own_staff(world, actors, clients, ctx, path):
    secrets = [u.person.id_number for u in actors.values() if u is not None and u.person_id]
    for actor, client in clients.items():
        r = client.get(path.format(**ctx))
        want = {"anonymous": 401, "own_institution": 200}.get(actor, 404)
        assert r.status_code == want, (actor, r.content)
        assert_no_pii(r, *secrets)
    items = clients["own_institution"].get(path.format(**ctx)).json()["items"]
    if path.endswith("activation-requests"):
        assert [i["id"] for i in items] == [ctx["aff"]]
    # the other hospital's admin sees their own institution, without this one's rows
    other = clients["other_institution"].get(path.format(hospital=world.other_hospital.pk))
    assert other.status_code == 200 and other.json()["items"] == []


def test_my_affiliations_are_the_callers_own(world, actors, clients, ctx):
    for actor, client in clients.items():
        r = client.get("/me/affiliations")
        if actor == "anonymous":
            assert r.status_code == 401
            continue
        ids = [a["id"] for a in r.json()]
        assert ids == ([ctx["aff"]] if actor == "individual" else []), actor


def test_openapi_documents_the_new_endpoints(db, client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path, method in (("/register", "post"), ("/me/activation-requests", "post"), ("/me/affiliations", "get"),
                         ("/me/activation", "post"), ("/institutions/{institution_id}/activation-requests", "get"),
                         ("/activation-requests/{affiliation_id}/send-code", "post"),
                         ("/institutions/{institution_id}/activation-mode", "put"),
                         ("/institutions/{institution_id}/roster", "get"), ("/authorities", "post"),
                         ("/authorities/{authority_id}/staff", "post"),
                         ("/institutions/{institution_id}/accounts", "post")):
        assert method in paths.get(f"{API}{path}", {}), path
    register = paths[f"{API}/register"]["post"]
    assert "security" not in register  # public
    assert "application/problem+json" in register["responses"]["400"]["content"]
    assert "security" in paths[f"{API}/authorities"]["post"]
