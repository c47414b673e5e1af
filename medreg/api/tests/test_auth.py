"""Token issuance, bearer authentication and browser sessions with CSRF."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from medreg.accounts.models import ApiToken
from medreg.api.tests.conftest import API, ApiClient
from medreg.demo.world import DEFAULT_PASSWORD


def test_token_is_issued_for_good_credentials_and_authenticates(world, anon):
    # when the hospital admin asks for a token
    r = anon.post("/auth/token", {"username": world.hospital_admin.username, "password": DEFAULT_PASSWORD})
    # then a bearer token comes back with its expiry, and it identifies the caller
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 32
    assert parse_datetime(body["expires_at"]) > timezone.now()
    me = ApiClient(body["access_token"]).get("/me")
    assert me.status_code == 200 and me.json()["username"] == world.hospital_admin.username
    assert me.json()["kind"] == "institution"
    assert {r["role"] for r in me.json()["roles"]} == {"institution_admin", "institution_reviewer"}


def test_bad_credentials_are_a_401_problem(world, anon):
    r = anon.post("/auth/token", {"username": world.hospital_admin.username, "password": "wrong-password"})
    assert r.status_code == 401
    assert r["Content-Type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "urn:medreg:error:bad_credentials" and problem["status"] == 401
    assert problem["errors"][0]["message_zh"] == "用户名或密码错误。"
    assert "access_token" not in r.content.decode()


def test_missing_credentials_are_field_errors(anon):
    r = anon.post("/auth/token", {"username": "someone"})
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("password", "missing")]


def test_unknown_expired_and_revoked_tokens_are_rejected(world, as_user):
    client = as_user(world.hospital_admin)
    assert client.get("/me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    r = client.get("/me")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert r["WWW-Authenticate"].startswith("Bearer")
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(hours=1), revoked_at=timezone.now())
    assert client.get("/me").status_code == 401
    assert ApiClient("not-a-token").get("/me").status_code == 401


def test_token_endpoint_is_rate_limited(world, anon, settings):
    settings.MEDREG = {**settings.MEDREG, "API_TOKEN_RATE": "3/m"}
    codes = [anon.post("/auth/token", {"username": "nobody1", "password": "x" * 8}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_browser_session_works_and_writes_need_the_csrf_token(world, activated):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(activated)
    # reads need no CSRF token
    assert browser.get(f"{API}/me").json()["username"] == activated.username
    # a write without the CSRF token is refused, and nothing is created
    r = browser.post(f"{API}/applications", {"item_code": "PHY-REG-FIRST", "data": {}}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    # with the token (from the cookie the docs page sets) it goes through
    browser.get(f"{API}/docs")
    csrf = browser.cookies["csrftoken"].value
    r = browser.post(f"{API}/applications", {"item_code": "PHY-REG-FIRST",
                                             "data": {"main_institution": world.hospital.pk}},
                     content_type="application/json", headers={"X-CSRFToken": csrf})
    assert r.status_code == 201, r.content


def test_anonymous_write_is_401_not_a_csrf_error():
    r = Client(enforce_csrf_checks=True).post(f"{API}/applications", {}, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_a_token_caller_needs_no_csrf_token(world, activated, as_user):
    client = as_user(activated)
    client.client = Client(enforce_csrf_checks=True)
    r = client.post("/applications", {"item_code": "PHY-REG-FIRST", "data": {"main_institution": world.hospital.pk}})
    assert r.status_code == 201, r.content
