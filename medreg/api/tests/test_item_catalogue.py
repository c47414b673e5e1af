"""Every item in the catalogue documents itself completely: code-table links resolve, fixed choices are
listed, and the statutory limits are the ones the rules set."""

from __future__ import annotations

from medreg.applications.items import all_items


def test_every_choices_url_of_every_item_resolves(anon, db):
    for item in anon.get("/items").json():
        for field in item["fields"]:
            if field["choices_url"]:
                path = field["choices_url"].removeprefix("/api/v1")
                r = anon.get(path)
                assert r.status_code == 200 and r.json(), (item["code"], field["name"], field["choices_url"])


def test_static_choices_are_listed_with_labels(anon):
    item = anon.get("/items/PHY-REG-ADD-PLACE").json()
    keep = next(f for f in item["fields"] if f["name"] == "keep_original")
    assert [o["value"] for o in keep["options"]] == ["yes", "no"] and all(o["label"] for o in keep["options"])
    registration = next(f for f in item["fields"] if f["name"] == "registration")
    assert registration["kind"] == "registration" and registration["choices_url"] is None


def test_the_catalogue_lists_every_registered_item(anon):
    listed = {i["code"]: i["statutory_limit_days"] for i in anon.get("/items").json()}
    assert listed == {i.code: i.statutory_limit_days for i in all_items()}
