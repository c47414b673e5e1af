"""Public endpoints: institution search, reference tables, divisions, verification; throttling; no PII."""

from __future__ import annotations

from medreg.api.tests.conftest import drive

PUBLIC_INSTITUTION_KEYS = {"id", "name", "division", "category", "registration_no", "uscc"}


def test_institution_search_returns_public_fields_only(world, anon):
    r = anon.get("/institutions", {"q": "人民医院"})
    assert r.status_code == 200
    rows = {row["id"]: row for row in r.json()}
    assert set(rows) == {world.hospital.pk, world.other_hospital.pk}
    row = rows[world.hospital.pk]
    assert set(row) == PUBLIC_INSTITUTION_KEYS
    assert row["name"] == world.hospital.name and row["uscc"] == world.hospital.uscc
    assert row["registration_no"] == world.hospital.registration_no
    assert row["division"] and row["category"] and row["category"] != world.hospital.category_code
    assert "王建国" not in r.content.decode()  # the legal representative is not a search result field


def test_institution_search_by_province_and_by_code(world, anon):
    rows = anon.get("/institutions", {"q": "人民医院", "province": "530000"}).json()
    assert [row["id"] for row in rows] == [world.hospital.pk]
    rows = anon.get("/institutions", {"q": world.other_hospital.uscc}).json()
    assert [row["id"] for row in rows] == [world.other_hospital.pk]
    assert anon.get("/institutions", {"q": "人"}).json() == []  # too short to search
    r = anon.get("/institutions", {"q": "医院", "province": "yunnan"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "province"


def test_public_search_is_throttled_per_client(world, anon, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_SEARCH_RATE": "3/m"}
    codes = [anon.get("/institutions", {"q": "医院"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = anon.get("/institutions", {"q": "医院"})
    assert r["Content-Type"].startswith("application/problem+json") and int(r["Retry-After"]) >= 1
    assert r.json()["code"] == "throttled"
    # a forged X-Forwarded-For does not buy a fresh allowance
    assert anon.get("/institutions", {"q": "医院"}, headers={"X-Forwarded-For": "10.9.8.7"}).status_code == 429


def test_verification_is_throttled(anon, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_VERIFY_RATE": "2/m"}
    codes = [anon.post("/verify", {"qr": "HL1:???"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_reference_table_and_divisions(db, anon):
    r = anon.get("/reference/practice_scope")
    assert r.status_code == 200
    scopes = {c["code"]: c for c in r.json()}
    assert "11" in scopes and scopes["11"]["parent_code"] == "1" and scopes["11"]["name"]
    provinces = {d["code"]: d for d in anon.get("/divisions").json()}
    assert provinces["530000"]["level"] == "province" and provinces["530000"]["parent"] is None
    cities = {d["code"]: d for d in anon.get("/divisions", {"parent": "530000"}).json()}
    assert cities["530100"]["parent"] == "530000"
    assert anon.get("/divisions", {"parent": "53"}).status_code == 422


def test_verification_of_a_valid_licence_shows_public_facts_only(world, activated, anon, as_user):
    drive(world, activated, "approved")
    qr = as_user(activated).get("/me/licences").json()[0]["qr"]
    r = anon.post("/verify", {"qr": qr})
    body = r.json()
    assert set(body) == {"valid", "outcome", "status", "status_label", "message", "checked_at", "issuer", "licence"}
    assert body["licence"]["scopes"] and body["licence"]["category"]
    assert activated.person.id_number not in r.content.decode()


def test_me_carries_no_personal_identifiers(world, activated, as_user):
    drive(world, activated, "approved")
    client = as_user(activated)
    me = client.get("/me")
    assert me.json()["person"]["name"] == "张晓明"
    for response in (me, client.get("/me/licences"), client.get("/applications")):
        text = response.content.decode()
        assert activated.person.id_number not in text
        assert "13800138000" not in text
        assert activated.person.birth_date not in text
