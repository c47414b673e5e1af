"""Public register (physicians, nurses, institutions), publication policy, anti-scraping, status query,
open read API, bulk open data and the "what is published about me" page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.demo.world import register_physician, registered_nurse
from medreg.people.models import PracticeRegistration
from medreg.public import export, policy, selectors
from medreg.public import status as status_query
from medreg.public.tests.test_public import approved

API = "/api/v1/public"


@pytest.fixture
def registered(world, physician):
    return approved(world, physician).result_registration


@pytest.fixture
def secrets(physician, registered):
    """Values that must never be in any public output, as the bytes they would appear as."""
    person = physician.person
    qual = person.qualifications.get()
    values = {
        "id number": person.id_number,
        "id number (lower x)": person.id_number.lower(),
        "birth date": person.birth_date,
        "birth date (compact)": str(person.birth_date).replace("-", ""),
        "qualification certificate code": qual.certificate_code,
        "phone": "13800138000",
        "practice certificate no (employer-only)": registered.certificate_no,
    }
    assert all(values.values())
    return {k: str(v).encode() for k, v in values.items()}


def assert_no_secrets(body: bytes, secrets: dict[str, bytes], where: str) -> None:
    for label, value in secrets.items():
        assert value not in body, f"{label} leaked in {where}"


@pytest.fixture
def no_throttle(settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_SEARCH_RATE": "1000/m", "PUBLIC_API_RATE": "1000/m",
                       "PUBLIC_STATUS_RATE": "1000/m"}


def policy_file(tmp_path: Path, extra: str) -> str:
    text = policy.DEFAULT_FILE.read_text(encoding="utf-8") + "\n" + extra
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the policy table ------------------------------------------------------------------------------------------
def test_default_policy_never_publishes_personal_data(db):
    pol = policy.current_policy()
    for status in ("active", "suspended", "cancelled", "lapsed", None):
        for name in ("id_number", "birth_date", "phone", "email", "home_address", "qualification_certificate_code"):
            assert not pol.visible("practitioner", name, status), (name, status)
    assert pol.visible("practitioner", "name", "active")
    assert not pol.visible("practitioner", "certificate_no", "active")
    assert pol.visible("practitioner", "certificate_no", "active", policy.EMPLOYER)
    assert not pol.visible("practitioner", "scopes", "cancelled") and pol.visible("practitioner", "scopes", "active")
    assert not pol.listed("practitioner", "lapsed") and pol.listed("practitioner", "lapsed", policy.EMPLOYER)
    assert not pol.visible("practitioner", "no_such_field", "active", policy.EMPLOYER)  # deny by default


def test_the_shown_set_answers_as_visible_does_for_every_field_status_and_audience(db):
    pol = policy.current_policy()
    for entity, statuses in (("practitioner", ("active", "suspended", "cancelled", "lapsed", "superseded", None)),
                             ("institution", ("active", "suspended", "cancelled", "pending", None))):
        for status in statuses:
            for audience in (policy.PUBLIC, policy.EMPLOYER, policy.REGULATOR):
                shown = pol.shown(entity, status, audience)
                for name in (*pol.fields(entity), policy.LISTED):
                    assert (name in shown) == pol.visible(entity, name, status, audience), (entity, name, status)
                assert "no_such_field" not in shown  # only fields the table names
    assert "listed" not in pol.shown("practitioner", "lapsed") and "name" in pol.shown("practitioner", "active")


@pytest.mark.parametrize("field", ["id_number", "birth_date", "phone", "qualification_certificate_code"])
def test_a_policy_that_publishes_personal_data_is_refused(field):
    data = {"version": 1, "practitioner": {"fields": {field: "public"}}, "institution": {"fields": {}}}
    with pytest.raises(ImproperlyConfigured, match="can never be public"):
        policy.parse_policy(data)
    per_status = {"version": 1, "practitioner": {"fields": {}, "status": {"active": {field: "public"}}},
                  "institution": {"fields": {}}}
    with pytest.raises(ImproperlyConfigured):
        policy.parse_policy(per_status)


def test_a_policy_with_an_unknown_audience_is_refused():
    with pytest.raises(ImproperlyConfigured, match="unknown audience"):
        policy.parse_policy({"version": 1, "practitioner": {"fields": {"name": "everyone"}},
                             "institution": {"fields": {}}})


# -- forbidden fields never appear: pages, API, export (bytes) ---------------------------------------------------
def test_forbidden_fields_never_appear_in_any_public_page(client, world, registered, secrets, no_throttle):
    pages = {
        "search": client.get("/public/", {"name": "张晓明", "province": "530000"}),
        "detail": client.get(f"/public/practitioners/{registered.pk}/"),
        "institution search": client.get("/public/institutions/", {"q": "第一人民"}),
        "institution detail": client.get(f"/public/institutions/{world.hospital.pk}/"),
    }
    for where, resp in pages.items():
        assert resp.status_code == 200, where
        assert_no_secrets(resp.content, secrets, where)
    assert "张晓明".encode() in pages["detail"].content
    assert world.hospital.name.encode() in pages["detail"].content


def test_forbidden_fields_never_appear_in_any_api_response(client, world, registered, secrets, no_throttle):
    app = registered.source_application
    responses = {
        "search": client.get(f"{API}/practitioners", {"name": "张晓明", "province": "530000"}),
        "list": client.get(f"{API}/practitioners"),
        "detail": client.get(f"{API}/practitioners/{registered.pk}"),
        "institutions": client.get(f"{API}/institutions"),
        "institution search": client.get(f"{API}/institutions", {"q": "第一人民"}),
        "institution detail": client.get(f"{API}/institutions/{world.hospital.pk}"),
        "status": client.post(f"{API}/application-status", {"number": app.number, "name": "张晓明"},
                              content_type="application/json"),
        "policy": client.get(f"{API}/publication-policy"),
    }
    for where, resp in responses.items():
        assert resp.status_code == 200, (where, resp.content)
        assert_no_secrets(resp.content, secrets, where)
    items = responses["search"].json()["items"]
    assert [i["id"] for i in items] == [registered.pk]
    assert "certificate_no" not in items[0] and "id_number" not in items[0]
    for body in (responses["search"].json(), responses["list"].json(), responses["institutions"].json()):
        assert set(body) <= {"items", "next_cursor"}  # no totals


def test_forbidden_fields_never_appear_in_the_export(world, registered, secrets, tmp_path):
    result = export.write_export(tmp_path)
    for path in result.directory.iterdir():
        assert_no_secrets(path.read_bytes(), secrets, path.name)
    rows = [json.loads(line) for line in (result.directory / "practitioners.jsonl").read_text().splitlines()]
    assert any(r["id"] == registered.pk and r["name"] == "张晓明" for r in rows)


def test_changing_the_policy_changes_pages_api_and_export_together(
    client, settings, tmp_path, registered, no_throttle
):
    settings.MEDREG = {**settings.MEDREG, "PUBLICATION_POLICY_FILE": policy_file(
        tmp_path, '[practitioner.status.active]\nscopes = "regulator"\ncertificate_no = "public"\n')}
    page = client.get(f"/public/practitioners/{registered.pk}/").content.decode()
    assert "内科专业" not in page and registered.certificate_no not in page  # certificate no not rendered
    body = client.get(f"{API}/practitioners/{registered.pk}").json()
    assert "scopes" not in body and "scope_codes" not in body
    result = export.write_export(tmp_path / "out")
    row = next(json.loads(line) for line in (result.directory / "practitioners.jsonl").read_text().splitlines())
    assert "scopes" not in row and row["certificate_no"] == registered.certificate_no


# -- register by status ------------------------------------------------------------------------------------------
def test_cancelled_registration_is_listed_without_scope_and_lapsed_is_not_listed(client, registered, no_throttle):
    PracticeRegistration.objects.filter(pk=registered.pk).update(status="cancelled")
    detail = client.get(f"/public/practitioners/{registered.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and "注销" in html and "内科专业" not in html
    PracticeRegistration.objects.filter(pk=registered.pk).update(status="lapsed")
    assert client.get(f"/public/practitioners/{registered.pk}/").status_code == 404
    assert client.get(f"{API}/practitioners/{registered.pk}").status_code == 404
    html = client.get("/public/", {"name": "张晓明", "province": "530000"}).content.decode()
    assert 'class="public-row"' not in html and 'id="public-no-results"' in html


def test_nurses_are_searched_with_their_validity(client, world, no_throttle):
    until = timezone.localdate() + dt.timedelta(days=400)
    registered_nurse(world, valid_until=until, with_licence=False)
    resp = client.get("/public/", {"name": "赵丽娟", "province": "530000", "profession": "nurse"})
    html = resp.content.decode()
    assert "赵丽娟" in html and until.isoformat() in html
    physicians = client.get("/public/", {"name": "赵丽娟", "province": "530000"}).content.decode()
    assert 'id="public-no-results"' in physicians
    api = client.get(f"{API}/practitioners", {"name": "赵丽娟", "province": "53", "profession": "nurse"}).json()
    assert api["items"][0]["valid_until"] == until.isoformat() and api["items"][0]["profession"] == "nurse"


def test_detail_shows_practice_sites_with_dates(client, world, registered, no_throttle):
    html = client.get(f"/public/practitioners/{registered.pk}/").content.decode()
    assert 'id="practitioner-sites"' in html and world.hospital.name in html
    body = client.get(f"{API}/practitioners/{registered.pk}").json()
    assert body["practice_sites"][0]["institution_id"] == world.hospital.pk
    assert body["practice_sites"][0]["start_on"]


def test_active_sanctions_show_with_end_date_and_drop_off_when_expired(client, world, registered, no_throttle):
    from medreg.people import records

    today = timezone.localdate()
    penalty = records.record_penalty(registered.person_id, acting_user=world.city.users[Role.APPROVER], data={
        "profession": "physician", "kind": "suspension", "start_on": today.isoformat(), "months": 6,
        "reason": "健康原因（不公开）", "decision_no": "昆卫罚〔2026〕1号"})
    html = client.get(f"/public/practitioners/{registered.pk}/").content.decode()
    assert 'id="practitioner-sanctions"' in html and penalty.end_on.isoformat() in html
    assert "健康原因" not in html and "昆卫罚" not in html  # only the kind and the dates are public
    body = client.get(f"{API}/practitioners/{registered.pk}").json()
    assert [s["end_on"] for s in body["sanctions"]] == [penalty.end_on.isoformat()]
    assert body["status"] == "suspended"
    assert selectors.active_sanctions(registered.person_id, on=penalty.end_on + dt.timedelta(days=1)) == []


# -- institutions ----------------------------------------------------------------------------------------------
def test_institutions_by_name_uscc_and_registration_no(client, world, no_throttle):
    h = world.hospital
    for q in ("第一人民", h.uscc, h.uscc.lower(), h.registration_no):
        html = client.get("/public/institutions/", {"q": q}).content.decode()
        assert h.name in html, q
        assert world.other_hospital.name not in html
    assert "贵阳" in client.get("/public/institutions/", {"q": "第二人民", "province": "520000"}).content.decode()
    assert h.name not in client.get("/public/institutions/", {"q": "第一人民", "province": "520000"}).content.decode()
    assert client.get("/public/institutions/", {"q": "医"}).status_code == 400


def test_institution_detail_shows_subjects_validation_and_licence_validity(client, world, no_throttle):
    h = world.hospital
    html = client.get(f"/public/institutions/{h.pk}/").content.decode()
    assert 'id="institution-subjects"' in html and "内科" in html
    assert h.licence_valid_until.isoformat() in html
    assert 'id="institution-validation"' in html
    body = client.get(f"{API}/institutions/{h.pk}").json()
    assert {s["code"] for s in body["subjects"]} == {"03", "04", "05", "07"}
    assert body["licence_valid_until"] == h.licence_valid_until.isoformat()
    assert body["validation"]["state"] in ("normal", "deferred", "overdue")
    assert client.get("/public/institutions/999999/").status_code == 404


# -- anti-scraping ---------------------------------------------------------------------------------------------
def test_no_lookup_by_id_number(client, physician, registered, no_throttle):
    number = physician.person.id_number
    assert 'class="public-row"' not in client.get("/public/", {"name": number, "province": "530000"}).content.decode()
    assert client.get(f"{API}/practitioners", {"name": number[:30], "province": "53"}).json()["items"] == []
    assert client.get(f"{API}/institutions", {"q": number}).json()["items"] == []


def test_pages_show_no_result_totals(client, world, physician, no_throttle):
    for i in range(2):
        approved(world, register_physician(world, name="张晓明", username=f"zhangx{i}"))
    html = client.get("/public/", {"name": "张晓明", "province": "530000"}).content.decode()
    assert html.count('class="public-row"') == 2
    assert "条" not in html.split('id="public-results"')[1].split("</h2>")[0]


def test_cursor_paging_has_no_cap_and_rejects_bad_cursors(client, world, physician, no_throttle):
    ids = sorted(approved(world, register_physician(world, name="李华", username=f"lihua{i}")).result_registration_id
                 for i in range(3))
    first = client.get(f"{API}/practitioners", {"name": "李华", "province": "53", "limit": 2}).json()
    assert [r["id"] for r in first["items"]] == ids[:2] and first["next_cursor"]
    second = client.get(f"{API}/practitioners", {"name": "李华", "province": "53", "limit": 2,
                                                  "cursor": first["next_cursor"]}).json()
    assert [r["id"] for r in second["items"]] == ids[2:] and "next_cursor" not in second
    bad = client.get(f"{API}/practitioners", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    html = client.get("/public/", {"name": "李华", "province": "530000", "cursor": "@@"})
    assert html.status_code == 400


def test_search_page_is_throttled_with_retry_after(client, db, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_SEARCH_RATE": "2/m"}
    for path, params in (("/public/institutions/", {"q": "人民医院"}), ("/public/practitioners/1/", {})):
        for _ in range(2):
            assert client.get(path, params, REMOTE_ADDR="10.1.1.1").status_code in (200, 404)
        resp = client.get(path, params, REMOTE_ADDR="10.1.1.1")
        assert resp.status_code == 429 and int(resp["Retry-After"]) >= 1, path
        assert client.get(path, params, REMOTE_ADDR="10.1.1.2").status_code in (200, 404)


def test_api_is_throttled_with_problem_and_retry_after(client, db, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_API_RATE": "3/m"}
    for _ in range(3):
        assert client.get(f"{API}/institutions", REMOTE_ADDR="10.2.2.2").status_code == 200
    resp = client.get(f"{API}/practitioners", REMOTE_ADDR="10.2.2.2")  # one budget for every /public/ operation
    assert resp.status_code == 429 and int(resp["Retry-After"]) >= 1
    assert resp["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{API}/institutions", REMOTE_ADDR="10.2.2.3").status_code == 200


def test_status_query_is_throttled(client, db, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_STATUS_RATE": "1/m"}
    assert client.post("/public/status/", {"number": "X", "name": "Y"}, REMOTE_ADDR="10.3.3.3").status_code == 200
    resp = client.post("/public/status/", {"number": "X", "name": "Y"}, REMOTE_ADDR="10.3.3.3")
    assert resp.status_code == 429 and resp["Retry-After"]


def test_openapi_documents_the_rate_limits(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    ops = [op for path, item in schema["paths"].items() if path.startswith(f"{API}/") for op in item.values()]
    assert len(ops) == 6
    for op in ops:
        assert op["x-rate-limit"]["default"] == "60/m"
        assert "Retry-After" in op["responses"]["429"]["headers"]
        assert "Rate limit" in op["description"]


# -- applicant status query ------------------------------------------------------------------------------------
def _submitted_app(world, user):
    from medreg.public.tests import test_public as tp

    aff = tp.people.request_activation(acting_user=user, institution_id=world.hospital.pk)
    tp.people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    note = user.notifications.filter(title__contains="激活码").first()
    import re

    tp.people.activate_with_code(acting_user=user, institution_id=world.hospital.pk,
                                 code=re.search(r"(\d{6})", note.body).group(1))
    qual = user.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=user, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True})
    apps.add_attachment(app.pk, acting_user=user, kind="photo", filename="p.png", content=tp.png_bytes())
    apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="e.pdf", content=tp.PDF)
    return app


def test_status_query_shows_stage_due_date_and_correction_items(client, world, physician, no_throttle):
    app = _submitted_app(world, physician)
    # a draft is private to its author: not found
    assert status_query.find(app.number, "张晓明") is None
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.request_correction(app.pk, acting_user=world.city.users[Role.CLERK], items=["照片不清晰", "缺少聘用证明原件"])
    resp = client.post("/public/status/", {"number": app.number, "name": " 张晓明 "})
    html = resp.content.decode()
    assert 'id="status-correction"' in html and "照片不清晰" in html and "缺少聘用证明原件" in html
    assert "补正中" in html and 'id="status-timeline"' not in html and 'id="status-login-hint"' in html
    # a wrong name answers exactly like an unknown number
    wrong = client.post("/public/status/", {"number": app.number, "name": "李四"}).content.decode()
    unknown = client.post("/public/status/", {"number": "NO-SUCH", "name": "张晓明"}).content.decode()
    assert 'id="status-not-found"' in wrong and 'id="status-not-found"' in unknown
    assert "照片不清晰" not in wrong
    api = client.post(f"{API}/application-status", {"number": app.number, "name": "张晓明"},
                      content_type="application/json").json()
    assert api["status"] == "correction" and api["correction_items"] == ["照片不清晰", "缺少聘用证明原件"]
    assert "timeline" not in api
    assert client.post(f"{API}/application-status", {"number": app.number, "name": "李四"},
                       content_type="application/json").status_code == 404


def test_only_the_owner_sees_the_timeline_and_due_date_after_acceptance(client, world, physician, no_throttle):
    app = _submitted_app(world, physician)
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    app.refresh_from_db()
    other = register_physician(world, name="王五", username="wangwu")
    client.force_login(other)
    html = client.post("/public/status/", {"number": app.number, "name": "张晓明"}).content.decode()
    assert 'id="status-timeline"' not in html and app.due_on.isoformat() in html
    client.force_login(physician)
    html = client.post("/public/status/", {"number": app.number, "name": "张晓明"}).content.decode()
    assert 'id="status-timeline"' in html and "受理" in html


def test_status_form_needs_both_fields(client, db):
    resp = client.post("/public/status/", {"number": "", "name": ""})
    assert resp.status_code == 400 and "请输入申请编号" in resp.content.decode()
    assert client.get("/public/status/").status_code == 200


# -- "what is published about me" --------------------------------------------------------------------------------
def test_published_page_permissions(client, world, physician, registered):
    url = "/portal/me/published/"
    resp = client.get(url)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    client.force_login(world.hospital_admin)
    assert client.get(url).status_code == 404
    client.force_login(world.city.users[Role.CLERK])
    assert client.get(url).status_code == 404
    client.force_login(physician)
    html = client.get(url).content.decode()
    assert f'id="published-{registered.pk}"' in html
    assert 'data-field="id_number" data-audience="regulator"' in html and "永不公开" in html
    assert 'data-field="certificate_no" data-audience="employer"' in html
    assert physician.person.id_number not in html and registered.certificate_no not in html
    assert "内科专业" in html  # the value the register shows for 执业范围


def test_published_page_shows_only_the_own_registrations(client, world, physician, registered):
    other = register_physician(world, name="王五", username="wangwu")
    client.force_login(other)
    html = client.get("/portal/me/published/").content.decode()
    assert 'id="published-none"' in html and f'id="published-{registered.pk}"' not in html


# -- open-data export ------------------------------------------------------------------------------------------
def test_full_and_delta_export_with_checksums_and_audit(world, registered, tmp_path, settings):
    out = tmp_path / "open"
    before = AuditEvent.objects.filter(event_type=EventType.PUBLIC_EXPORT_WRITTEN).count()
    call_command("export", "public", "--out", str(out))
    full = next(p for p in out.iterdir() if p.name.startswith("full-"))
    manifest = json.loads((full / "manifest.json").read_text())
    assert manifest["schema_version"] == export.SCHEMA_VERSION and manifest["kind"] == "full"
    assert {f["name"] for f in manifest["files"]} == {
        "practitioners.csv", "practitioners.jsonl", "institutions.csv", "institutions.jsonl"}
    assert export.verify_export(full) == []
    csv_text = (full / "practitioners.csv").read_text()
    assert csv_text.splitlines()[0] == ",".join(export.PRACTITIONER_COLUMNS) and "张晓明" in csv_text
    assert world.hospital.name in (full / "institutions.csv").read_text()
    assert AuditEvent.objects.filter(event_type=EventType.PUBLIC_EXPORT_WRITTEN).count() == before + 1
    # tampering is detected
    with open(full / "institutions.csv", "a", encoding="utf-8") as fh:
        fh.write("x\n")
    assert export.verify_export(full) == ["institutions.csv"]
    # a delta since "now" is empty; after a change it holds the record, withdrawn when it left the register
    since = timezone.now()
    empty = export.write_export(tmp_path / "d1", since=since)
    assert empty.rows["practitioners.jsonl"] == 0
    PracticeRegistration.objects.filter(pk=registered.pk).update(status="lapsed", updated_at=timezone.now())
    delta = export.write_export(tmp_path / "d2", since=since)
    lines = (delta.directory / "practitioners.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in lines] == [{"id": registered.pk, "withdrawn": True}]


def test_export_command_since_and_daily(world, registered, tmp_path, capsys):
    call_command("export", "public", "--out", str(tmp_path), "--since", "2000-01-01")
    delta = next(p for p in tmp_path.iterdir() if p.name.startswith("delta-"))
    assert "张晓明" in (delta / "practitioners.jsonl").read_text()
    from medreg.public import tasks

    dirs = tasks.run_daily(str(tmp_path / "daily"))
    assert len(dirs) == 2 and all(export.verify_export(d) == [] for d in dirs)


def _rows(result, name: str = "practitioners.jsonl") -> list[dict]:
    return [json.loads(line) for line in (result.directory / name).read_text(encoding="utf-8").splitlines()]


def _suspend(world, registered, start: dt.date):
    from medreg.people import records

    return records.record_penalty(registered.person_id, acting_user=world.city.users[Role.APPROVER], data={
        "profession": "physician", "kind": "suspension", "start_on": start.isoformat(), "months": 6,
        "reason": "健康原因（不公开）", "decision_no": "昆卫罚〔2026〕7号"})


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_export_carries_active_sanctions_with_their_end_date_and_nothing_private(
    world, registered, secrets, tmp_path
):
    today = timezone.localdate()
    penalty = _suspend(world, registered, today)
    result = export.write_export(tmp_path, now=_at(today))
    assert json.loads((result.directory / "manifest.json").read_text())["schema_version"] == "1.1"
    jsonl = (result.directory / "practitioners.jsonl").read_bytes()
    csv_bytes = (result.directory / "practitioners.csv").read_bytes()
    sanction = {"kind": "suspension", "kind_label": "暂停执业活动", "end_on": penalty.end_on.isoformat()}
    row = next(r for r in _rows(result) if r["id"] == registered.pk)
    assert row["sanctions"] == [sanction] and row["status"] == "suspended"
    header, line = csv_bytes.decode().splitlines()[0], next(
        x for x in csv_bytes.decode().splitlines()[1:] if x.startswith(f"{registered.pk},"))
    assert header.endswith(",practice_sites,sanctions")
    assert line.endswith('"[{""kind"":""suspension"",""kind_label"":""暂停执业活动"",""end_on"":""'
                         + penalty.end_on.isoformat() + '""}]"')
    for body, name in ((jsonl, "practitioners.jsonl"), (csv_bytes, "practitioners.csv")):
        assert penalty.end_on.isoformat().encode() in body
        assert "健康原因".encode() not in body and "昆卫罚".encode() not in body  # no reason, no decision no.
        assert_no_secrets(body, secrets, name)
    for path in result.directory.iterdir():
        assert_no_secrets(path.read_bytes(), secrets, path.name)
    assert export.verify_export(result.directory) == []
    # the day after its last day the sanction has dropped off the full export
    later = export.write_export(tmp_path / "later", now=_at(penalty.end_on + dt.timedelta(days=1)))
    assert next(r for r in _rows(later) if r["id"] == registered.pk)["sanctions"] == []
    assert penalty.end_on.isoformat().encode() not in (later.directory / "practitioners.csv").read_bytes()


def test_delta_holds_practitioners_whose_sanction_started_or_ended_since(world, registered, secrets, tmp_path):
    today = timezone.localdate()
    start = today + dt.timedelta(days=10)
    penalty = _suspend(world, registered, start)  # decided now, in force only from ``start``
    recorded = export.write_export(tmp_path / "recorded", since=timezone.now() - dt.timedelta(minutes=1))
    assert [r["sanctions"] for r in _rows(recorded) if r["id"] == registered.pk] == [[]]  # not yet in force
    # a quiet day before it starts: nothing changed, nothing exported
    quiet = export.write_export(tmp_path / "quiet", since=_at(start - dt.timedelta(days=2), 1),
                                now=_at(start - dt.timedelta(days=1), 1))
    assert quiet.rows["practitioners.jsonl"] == 0
    # the day it starts the delta carries the practitioner, although no row changed in the database
    started = export.write_export(tmp_path / "started", since=_at(start - dt.timedelta(days=1), 1),
                                  now=_at(start, 1))
    rows = _rows(started)
    assert [r["id"] for r in rows] == [registered.pk] and rows[0]["name"] == "张晓明"
    assert rows[0]["sanctions"] == [{"kind": "suspension", "kind_label": "暂停执业活动",
                                     "end_on": penalty.end_on.isoformat()}]
    assert rows[0]["practice_sites"] == next(
        r for r in _rows(export.write_export(tmp_path / "full", now=_at(start, 1))) if r["id"] == registered.pk
    )["practice_sites"]
    # the day after its last day the delta carries it again, with the sanction gone
    ended = export.write_export(tmp_path / "ended", since=_at(penalty.end_on, 1),
                                now=_at(penalty.end_on + dt.timedelta(days=1), 1))
    assert [(r["id"], r["sanctions"]) for r in _rows(ended)] == [(registered.pk, [])]
    for result in (recorded, started, ended):
        assert export.verify_export(result.directory) == []
        for path in result.directory.iterdir():
            assert_no_secrets(path.read_bytes(), secrets, f"{result.directory.name}/{path.name}")


def test_sanctions_follow_the_publication_policy(world, registered, settings, tmp_path):
    penalty = _suspend(world, registered, timezone.localdate())
    settings.MEDREG = {**settings.MEDREG, "PUBLICATION_POLICY_FILE": policy_file(
        tmp_path, '[practitioner.status.suspended]\nsanctions = "regulator"\n')}
    result = export.write_export(tmp_path / "out")
    row = next(r for r in _rows(result) if r["id"] == registered.pk)
    assert "sanctions" not in row
    assert penalty.end_on.isoformat().encode() not in (result.directory / "practitioners.csv").read_bytes()
    assert penalty.end_on.isoformat().encode() not in (result.directory / "practitioners.jsonl").read_bytes()


# -- query counts --------------------------------------------------------------------------------------------
def test_api_search_is_one_query(client, world, registered, no_throttle, django_assert_max_num_queries):
    params = {"name": "张晓明", "province": "53"}
    client.get(f"{API}/practitioners", params)
    with django_assert_max_num_queries(1):
        assert client.get(f"{API}/practitioners", params).status_code == 200


def test_the_name_search_reads_the_holder_name_copied_onto_each_registration(client, world, registered, no_throttle):
    import importlib

    from django.db import connection
    from django.db.models import F

    registered_nurse(world, valid_until=timezone.localdate() + dt.timedelta(days=400), with_licence=False)
    regs = PracticeRegistration.objects.all()
    assert regs.count() >= 2 and not regs.exclude(holder_name=F("person__name")).exists()
    # a corrected name reaches the registrations, and the search follows it
    person = registered.person
    old_name = person.name
    person.name = "李更名"
    person.save(update_fields=["name", "updated_at"])
    assert PracticeRegistration.objects.get(pk=registered.pk).holder_name == "李更名"
    assert client.get(f"{API}/practitioners", {"name": old_name, "province": "53"}).json()["items"] == []
    [item] = client.get(f"{API}/practitioners", {"name": "李更名", "province": "53"}).json()["items"]
    assert item["id"] == registered.pk and item["name"] == "李更名"
    person.name = old_name
    person.save()  # a full save too
    assert PracticeRegistration.objects.get(pk=registered.pk).holder_name == old_name
    # the migration's backfill writes the copies from the persons
    PracticeRegistration.objects.update(holder_name="")
    backfill = importlib.import_module("medreg.people.migrations.0003_registration_holder_name").BACKFILL
    with connection.cursor() as cur:
        cur.execute(backfill)
    assert not regs.exclude(holder_name=F("person__name")).exists()


def test_search_labels_follow_the_language_of_each_request(client, world, registered, no_throttle):
    params = {"name": registered.person.name, "province": "53"}
    [zh] = client.get(f"{API}/practitioners", params).json()["items"]
    client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    [en] = client.get(f"{API}/practitioners", params).json()["items"]
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/public/"})
    [zh_again] = client.get(f"{API}/practitioners", params).json()["items"]
    assert (zh["profession_label"], zh["status_label"]) == ("医师", "有效") == (
        zh_again["profession_label"], zh_again["status_label"])
    assert (en["profession_label"], en["status_label"]) == ("Physician", "Valid")


def test_selectors_never_select_personal_columns():
    cols = [c for cols in selectors._PRACTITIONER_COLUMNS.values() for c in cols]
    for forbidden in ("id_number", "birth_date", "phone", "certificate_code", "id_index"):
        assert not any(forbidden in c for c in cols)


# -- PostgreSQL: the search indexes and trigram similarity ------------------------------------------------------
@pytest.mark.postgres
def test_search_indexes_exist_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    import importlib

    for name in ("0001_search_indexes", "0002_holder_name_index", "0003_holder_prefix_index"):
        migration = importlib.import_module(f"medreg.public.migrations.{name}")
        with connection.schema_editor() as editor:  # idempotent: a no-op when `migrate` already ran it
            migration._run(migration.FORWARD)(None, editor)
    with connection.cursor() as cur:
        cur.execute("select indexname from pg_indexes where indexname like 'public_%%'")
        names = {r[0] for r in cur.fetchall()}
    assert {"public_inst_name_trgm", "public_inst_alias_trgm", "public_reg_person_place", "public_reg_holder"} <= names
    assert "public_reg_holder_place" not in names  # replaced by public_reg_holder (0003)


@pytest.mark.postgres
def test_institution_search_is_fuzzy_on_postgresql(world, no_throttle):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    rows, _cursor = selectors.search_institutions(q="昆明市第一人民病院")  # a typo: 病院 for 医院
    assert [r["id"] for r in rows] == [world.hospital.pk]


@pytest.mark.parametrize("who", ["anonymous", "individual", "institution", "authority", "other_authority"])
def test_public_pages_show_the_same_public_view_to_everyone(client, world, physician, registered, no_throttle, who):
    """The public site never widens its view for a signed-in user: staff use their portals for more."""
    users = {"individual": physician, "institution": world.hospital_admin,
             "authority": world.city.users[Role.CLERK], "other_authority": world.other_province.users[Role.CLERK]}
    if who in users:
        client.force_login(users[who])
    before = AuditEvent.objects.count()
    for url in (f"/public/practitioners/{registered.pk}/", f"{API}/practitioners/{registered.pk}"):
        resp = client.get(url)
        assert resp.status_code == 200
        assert registered.certificate_no.encode() not in resp.content
        assert physician.person.id_number.encode() not in resp.content
    assert AuditEvent.objects.count() == before  # reading the register writes nothing


def test_detail_page_query_count_is_bounded(client, world, registered, no_throttle, django_assert_max_num_queries):
    url = f"/public/practitioners/{registered.pk}/"
    client.get(url)
    with django_assert_max_num_queries(6):  # registration, sites, person, sanctions, other registrations
        assert client.get(url).status_code == 200


def test_daily_export_can_be_queued_for_the_worker(world, registered, tmp_path, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_EXPORT_DIR": str(tmp_path / "queued")}
    call_command("export", "public", "--daily", "--enqueue")  # the test task backend runs it immediately
    made = sorted(p.name.split("-")[0] for p in (tmp_path / "queued").iterdir())
    assert made == ["delta", "full"]


def test_result_cells_carry_their_column_label_in_the_page_language(client, world, registered, no_throttle):
    """The stacked (phone) layout reads each cell's label from data-label, translated once per page."""
    import re

    params = {"name": registered.person.name, "province": "530000"}

    def labels() -> list[str]:
        html = client.get("/public/", params).content.decode()
        row = html[html.index('<tr class="public-row">'):]
        return re.findall(r'<td data-label="([^"]*)"', row[:row.index("</tr>")])

    assert labels() == ["姓名", "性别", "执业级别", "执业类别", "执业范围", "主要执业机构", "执业地点", "注册状态"]
    client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    english = labels()
    assert len(english) == 8 and english[0] == "Name" and english[4] == "Practice scope"
