"""The business-item catalogue."""

from __future__ import annotations

from django.utils import translation

from medreg.applications.items import get_item


def test_catalogue_lists_first_registration_with_its_limit_and_review_chain(anon):
    r = anon.get("/items")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()}
    item = items["PHY-REG-FIRST"]
    assert item["statutory_limit_days"] == 20
    assert [s["code"] for s in item["review_chain"]] == ["institution", "acceptance", "review", "decision"]
    assert all(s["label"] for s in item["review_chain"])
    assert item["name"] == "医师首次执业注册"
    with translation.override("en"):
        assert item["name_en"] == str(get_item("PHY-REG-FIRST").name)
    assert item["subject"] == "physician" and item["applicant"] == "individual"
    assert "医师法" in item["legal_basis"]
    fields = {f["name"]: f for f in item["fields"]}
    assert fields["scope_codes"]["choices_table"] == "practice_scope"
    assert fields["scope_codes"]["choices_url"] == "/api/v1/reference/practice_scope"
    assert fields["scope_codes"]["required"] and not fields["department"]["required"]
    attachments = {a["kind"]: a for a in item["attachments"]}
    assert attachments["photo"]["images_only"] and attachments["photo"]["required"]
    assert not attachments["employment_proof"]["images_only"]


def test_item_detail_and_unknown_item(anon):
    r = anon.get("/items/PHY-REG-FIRST")
    assert r.status_code == 200 and r.json()["code"] == "PHY-REG-FIRST"
    r = anon.get("/items/NOPE")
    assert r.status_code == 404 and r.json()["code"] == "unknown_item"


def test_labels_follow_accept_language(anon):
    from medreg.api.tests.conftest import ApiClient

    zh = ApiClient(language="zh-hans").get("/items/PHY-REG-FIRST").json()
    en = ApiClient(language="en").get("/items/PHY-REG-FIRST").json()
    assert zh["name"] == en["name"] == "医师首次执业注册"  # name is always Chinese, name_en always English
    assert zh["name_en"] == en["name_en"]
