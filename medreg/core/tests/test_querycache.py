"""Compiled SQL per query shape (medreg.core.querycache): same rows as the ORM, compiled once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler

from medreg.core import querycache
from medreg.institutions.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    querycache.forget()
    yield
    querycache.forget()


def _make(v):
    return (Institution.objects.filter(Q(name__contains=v["q"]) | Q(aliases__contains=v["q"]),
                                       division_code__startswith=v["prefix"], pk__gt=v["after"])
            .order_by("pk").values("pk", "name", "division_code", "licence_valid_until")[:50])


def _rows(**values):
    return querycache.values_rows(("test_institutions",), _make, values)


@pytest.fixture
def compiles(monkeypatch):
    calls = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return calls


def test_rows_equal_the_orm_for_every_value(world):
    for values in ({"q": "医院", "prefix": "53", "after": 0}, {"q": "人民", "prefix": "5301", "after": 0},
                   {"q": "医院", "prefix": "53", "after": world.hospital.pk}, {"q": "不存在的名字", "prefix": "53", "after": 0}):
        assert _rows(**values) == list(_make(values)), values
    assert _rows(q="医院", prefix="53", after=0)  # the world has hospitals: the comparison is not vacuous


def test_like_wildcards_in_a_value_match_literally(world):
    Institution.objects.filter(pk=world.hospital.pk).update(name="百分之百%_医院")
    assert [r["pk"] for r in _rows(q="%_", prefix="53", after=0)] == [world.hospital.pk]
    assert _rows(q="之%百", prefix="53", after=0) == []  # '%' is not a wildcard
    assert [r["pk"] for r in _rows(q="百%_医", prefix="53", after=0)] == [world.hospital.pk]


def test_a_shape_is_compiled_once_per_process(world, compiles):
    _rows(q="医院", prefix="53", after=0)
    first = len(compiles)
    rows = _rows(q="人民", prefix="5301", after=0)
    again = len(compiles) - first
    assert rows == list(_make({"q": "人民", "prefix": "5301", "after": 0}))
    if connection.vendor == "postgresql":
        assert first == 2  # placeholders, then the self-check with the real values
        assert again == 0  # the stored SQL ran
    else:
        assert again >= 1  # SQLite always goes through the ORM


def test_a_value_of_another_type_is_not_cached_but_still_answered(world):
    def make(v):
        return Institution.objects.filter(pk__in=v["ids"]).order_by("pk").values("pk")

    values = {"ids": [world.hospital.pk]}
    assert querycache.values_rows(("test_list",), make, values) == [{"pk": world.hospital.pk}]
    if connection.vendor == "postgresql":
        assert querycache._cache[("default", ("test_list",))] is None


def test_converters_run_as_in_values(world):
    def make(v):
        return Institution.objects.filter(pk=v["pk"]).values("pk", "licence_valid_until", "created_at")

    rows = querycache.values_rows(("test_dates",), make, {"pk": world.hospital.pk})
    assert rows == list(make({"pk": world.hospital.pk}))
    assert rows[0]["created_at"].tzinfo is not None


def test_a_shape_the_orm_answers_without_sql_stays_on_the_orm(world):
    def make(v):  # an empty status list: Django answers "nothing" without asking the database
        return Institution.objects.filter(status__in=[], name__contains=v["q"]).order_by("pk").values("pk")

    assert querycache.values_rows(("test_empty",), make, {"q": "医院"}) == []
    assert querycache.values_rows(("test_empty",), make, {"q": "人民"}) == []


def test_an_integer_beyond_bigint_gets_the_orms_empty_answer_not_a_database_error(world):
    huge = 2**70
    assert _rows(q="医院", prefix="53", after=huge) == []  # first call of the shape
    assert _rows(q="医院", prefix="53", after=0)  # the shape compiles normally afterwards
    assert _rows(q="医院", prefix="53", after=huge) == []  # and the cached shape is not sent such a value


def test_a_shape_on_a_32_bit_column_is_compiled_once_too(world, compiles):
    # the first placeholder integer does not fit a 32-bit column: the ORM would answer it without SQL
    def make(v):
        return Institution.objects.filter(pk=v["pk"], beds__gte=v["beds"]).values("pk", "beds")

    Institution.objects.filter(pk=world.hospital.pk).update(beds=120)
    assert querycache.values_rows(("test_beds",), make, {"pk": world.hospital.pk, "beds": 100}) == [
        {"pk": world.hospital.pk, "beds": 120}]
    before = len(compiles)
    assert querycache.values_rows(("test_beds",), make, {"pk": world.hospital.pk, "beds": 121}) == []
    if connection.vendor == "postgresql":
        assert len(compiles) == before  # the stored SQL ran


def _prepared_statements() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cur.fetchall()]


def _by_name(v):
    return Institution.objects.filter(name=v["name"]).order_by("pk").values("pk", "name")[:5]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_prepared_shape_is_prepared_once_per_connection_and_still_logged(world):
    from django.test.utils import CaptureQueriesContext

    name = world.hospital.name
    before = len(_prepared_statements())
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            rows = querycache.values_rows(("test_by_name",), _by_name, {"name": name}, prepare=True)
            assert rows == [{"pk": world.hospital.pk, "name": name}]
        assert querycache.values_rows(("test_by_name",), _by_name, {"name": "无此机构"}, prepare=True) == []
    statements = _prepared_statements()
    assert len(statements) == before + 1 and '"institutions_institution"."name" = $1' in statements[-1]
    # logged with the values in place, as Django's own cursor logs a statement
    logged = [q["sql"] for q in ctx.captured_queries if "institutions_institution" in q["sql"]]
    assert len(logged) == 4 and f"'{name}'" in logged[0] and "'无此机构'" in logged[-1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_prepared_statements_can_be_switched_off(world, settings):
    settings.MEDREG = {**settings.MEDREG, "PREPARED_STATEMENTS": False}
    before = _prepared_statements()
    for _ in range(3):
        assert querycache.values_rows(("test_by_name",), _by_name, {"name": world.hospital.name}, prepare=True)
    assert _prepared_statements() == before
