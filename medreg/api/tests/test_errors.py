"""Errors are RFC 9457 problem details, with every item in Chinese and English and the top-level text in
the language the request asked for.
"""

from __future__ import annotations

import pytest

from medreg.api.tests.conftest import API, ApiClient

KEYS = {"type", "title", "status", "detail", "code", "errors"}
ITEM_KEYS = {"code", "field", "message", "message_zh", "message_en"}


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert KEYS <= set(body) and body["status"] == status and body["errors"]
    for item in body["errors"]:
        assert ITEM_KEYS <= set(item)
    return body


@pytest.mark.parametrize(("language", "title", "message"), [
    ("zh-hans", "请求参数有误", "此项为必填项。"),
    ("en", "Validation failed", "This field is required."),
])
def test_validation_problem_speaks_the_requested_language_and_carries_both(language, title, message):
    r = ApiClient(language=language).post("/auth/token", {"username": "x"})
    body = assert_problem(r, 422)
    assert body["type"] == "urn:medreg:error:missing" and body["code"] == "missing"
    assert body["title"] == title and body["detail"] == message
    (item,) = body["errors"]
    assert item["field"] == "password" and item["message"] == message
    assert item["message_zh"] == "此项为必填项。" and item["message_en"] == "This field is required."


def test_domain_error_keeps_its_code_field_and_both_languages():
    r = ApiClient(language="en").post("/verify", {"qr": "https://example.org/"})
    body = assert_problem(r, 400)
    assert body["type"] == "urn:medreg:error:qr_prefix" and body["title"] == "The request could not be processed"
    (item,) = body["errors"]
    assert item["field"] == "qr" and item["code"] == "qr_prefix"
    assert item["message"] == item["message_en"] != item["message_zh"]
    assert body["detail"] == item["message_en"]


def test_unauthenticated_is_401_problem(anon):
    body = assert_problem(anon.get("/applications"), 401)
    assert body["code"] == "not_authenticated"
    assert body["errors"][0]["message_en"].startswith("Provide a valid access token")


def test_unknown_route_and_unknown_action_are_404_problems(world, activated, as_user, anon):
    body = assert_problem(anon.get("/no-such-thing"), 404)
    assert body["type"] == "about:blank" and body["title"] == "未找到"
    assert_problem(as_user(activated).post("/applications/1/actions/teleport", {}), 404)
    assert_problem(anon.get("/items/NO-SUCH-ITEM"), 404)
    assert_problem(anon.get("/reference/no_such_table"), 404)


def test_wrong_method_is_405_problem_with_allow_header(anon):
    r = anon.client.delete(f"{API}/items")
    body = assert_problem(r, 405)
    assert body["code"] == "method_not_allowed" and r["Allow"] == "GET"


def test_body_that_is_not_json_is_a_400_problem(world, activated, as_user):
    client = as_user(activated)
    r = client.client.post(f"{API}/applications", "{not json", content_type="application/json", headers=client.headers)
    body = assert_problem(r, 400)
    assert body["errors"][0]["field"] == "body" and body["code"] == "invalid_body"


def test_outside_scope_is_404_not_403(world, activated, as_user):
    from medreg.api.tests.conftest import drive

    app = drive(world, activated, "draft")
    body = assert_problem(as_user(world.other_admin).get(f"/applications/{app.pk}"), 404)
    assert body["code"] == "not_found"
    assert_problem(as_user(world.other_admin).get("/applications/999999"), 404)


def test_oversized_body_is_a_413_problem(world, activated, as_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = as_user(activated).post("/applications", {"item_code": "PHY-REG-FIRST", "data": {"school": "x" * 4096}})
    body = assert_problem(r, 413)
    assert body["code"] == "request_too_large"


def test_the_site_mounts_the_api_under_api_v1(db, settings, anon):
    settings.ROOT_URLCONF = "config.urls"
    assert anon.get("/items").status_code == 200
    assert_problem(anon.get("/no-such-thing"), 404)
