"""Scoped list with cursor pagination, and its query count."""

from __future__ import annotations

from medreg.accounts.choices import Role
from medreg.api.tests.conftest import draft
from medreg.applications import services as apps


def withdrawn(world, user):
    """One application per call: a draft may exist only once per item, so each is withdrawn."""
    app = draft(world, user)
    return apps.withdraw_application(app.pk, acting_user=user, reason="测试")


def _page_through(client, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get("/applications", params)
        assert r.status_code == 200, r.content
        body = r.json()
        pages.append([a["id"] for a in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_cursor_pagination_walks_every_row_once_newest_first(world, activated, as_user):
    ids = [withdrawn(world, activated).pk for _ in range(5)]
    pages = _page_through(as_user(activated), limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == sorted(ids, reverse=True)


def test_list_filters_and_summary_fields(world, activated, as_user):
    app = withdrawn(world, activated)
    draft(world, activated)
    clerk = as_user(world.city.users[Role.CLERK])
    # a draft is the applicant's alone: staff see only what was submitted (here, then withdrawn)
    assert clerk.get("/applications", {"status": "draft"}).json()["items"] == []
    (row,) = clerk.get("/applications", {"status": "withdrawn", "item_code": "PHY-REG-FIRST"}).json()["items"]
    assert row["id"] == app.pk and row["number"] == app.number and row["status_label"]
    assert row["person_name"] == "张晓明" and row["institution"]["id"] == world.hospital.pk
    assert row["authority"]["name"] == world.city.authority.name
    assert clerk.get("/applications", {"status": "approved"}).json()["items"] == []


def test_limit_is_bounded_and_a_bad_cursor_is_a_field_error(world, activated, as_user):
    client = as_user(activated)
    r = client.get("/applications", {"limit": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    assert client.get("/applications", {"limit": 0}).status_code == 422
    r = client.get("/applications", {"cursor": "forged"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cursor"
    assert r.json()["code"] == "invalid_cursor"


def test_list_query_count_does_not_grow_with_rows(world, activated, as_user, django_assert_max_num_queries):
    for _ in range(12):
        withdrawn(world, activated)
    clerk = as_user(world.city.users[Role.CLERK])
    # token, memberships, one page query; nothing per row
    with django_assert_max_num_queries(4):
        r = clerk.get("/applications", {"limit": 10})
    assert len(r.json()["items"]) == 10 and r.json()["next_cursor"]
