"""Practitioner searches through compiled SQL (``core.querycache``, PostgreSQL): the same Bundles as the ORM
path, one compiled shape for every value, LIKE wildcards matched literally, and keyset paging."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from medreg.core import querycache
from medreg.exchange.fhir.resources import TYPES, PractitionerType
from medreg.exchange.fhir.search import Params, search

NAMES = ("王小明", "王小红", "王大海", "李明", "张三丰")


@pytest.fixture
def namesakes(world):
    from medreg.demo import ids
    from medreg.people.imports import LegacyPractitioner, import_legacy_practitioners
    from medreg.people.models import Person

    records = []
    for name in NAMES:
        number = ids.citizen_id(world.rng, "530102")
        records.append(LegacyPractitioner(
            profession="physician", name=name, id_number=number, institution_id=world.hospital.pk,
            registered_on=date(2019, 5, 6), qualification_obtained_on=date(2010, 1, 1), level_code="1",
            category_code="1", scope_codes=("11",),
            qualification_code=ids.physician_qualification_code(2010, "53", "1", "10", number)))
    result = import_legacy_practitioners(records, acting_user=None)
    assert not result.rejected, result.rejected
    # 王小明 also holds an older, cancelled registration: two listed rows, one Practitioner
    from medreg.people.models import PracticeRegistration

    old = PracticeRegistration.objects.get(person__name="王小明")
    old.pk, old.status, old.certificate_no = None, "cancelled", f"{old.certificate_no[:-3]}999"
    old.save()
    querycache.forget()
    yield {p.name: p.pk for p in Person.objects.filter(name__in=NAMES)}
    querycache.forget()


def _bundle(items: list[tuple[str, str]]) -> dict:
    return search(TYPES["Practitioner"], Params.parse(items), base="http://t/fhir/r4/", path="Practitioner")


def _ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]


QUERIES = [
    [("name", "王")], [("name", "王小")], [("name:exact", "李明")], [("name:contains", "小")], [("family", "王")],
    [("family:contains", "三")], [("name", "王,李")], [("name", "王"), ("family", "王")], [("name", "无此人")],
    [("name", "王"), ("_count", "2")],
]


@pytest.mark.parametrize("items", QUERIES)
def test_compiled_search_returns_what_the_orm_path_returns(namesakes, monkeypatch, items):
    compiled = _bundle(items)
    monkeypatch.setattr(PractitionerType, "row_columns", ())  # matches through the ORM: model instances
    monkeypatch.setattr(querycache, "values_rows", lambda _key, make, values, **_kw: list(make(values)))
    orm = _bundle(items)
    for bundle in (compiled, orm):
        del bundle["meta"]  # the instant of the answer
    assert compiled == orm
    if items[0] == ("name", "王"):
        assert sorted(_ids(compiled)) == sorted(str(namesakes[n]) for n in NAMES if n.startswith("王"))[:len(_ids(compiled))]


def test_one_shape_serves_every_value_and_wildcards_stay_literal(namesakes):
    assert set(_ids(_bundle([("name", "王")]))) == {str(namesakes[n]) for n in ("王小明", "王小红", "王大海")}
    # the same shape with values that are LIKE wildcards: matched as characters, so nobody
    for wildcard in ("%", "_", "王%", "\\"):
        assert _ids(_bundle([("name", wildcard)])) == []
    assert _ids(_bundle([("name", "李")])) == [str(namesakes["李明"])]
    if connection.vendor == "postgresql":
        shapes = [k for k in querycache._cache if k[1][0] == "fhir" and k[1][1] == "Practitioner"]
        assert len(shapes) == 1 and isinstance(querycache._cache[shapes[0]], querycache._Compiled)


def test_paging_through_compiled_pages_returns_each_namesake_once_in_order(namesakes):
    seen: list[str] = []
    items = [("name", "王"), ("_count", "1")]
    while True:
        bundle = _bundle(items)
        seen += _ids(bundle)
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not nxt:
            break
        cursor = nxt[0].split("_cursor=")[1]
        items = [("name", "王"), ("_count", "1"), ("_cursor", cursor)]
    assert seen == sorted((str(namesakes[n]) for n in ("王小明", "王小红", "王大海")), key=int)


def test_a_renamed_practitioner_is_found_under_the_new_name_only(namesakes):
    from medreg.people.models import Person

    assert _ids(_bundle([("name", "张")])) == [str(namesakes["张三丰"])]
    person = Person.objects.get(pk=namesakes["张三丰"])
    person.name = "赵三丰"
    person.save()
    assert _ids(_bundle([("name", "张")])) == []
    [entry] = _bundle([("name", "赵")])["entry"]
    assert entry["resource"]["name"][0]["text"] == "赵三丰"


def test_a_compiled_page_renders_the_registration_as_stored(namesakes):
    from medreg.people.models import PracticeRegistration

    reg = PracticeRegistration.objects.select_related("authority", "person").get(person_id=namesakes["李明"])
    [entry] = _bundle([("name:exact", "李明")])["entry"]
    res = entry["resource"]
    assert res["id"] == str(reg.person_id) and res["active"] is (reg.status == "active")
    assert res["name"] == [{"use": "official", "text": "李明", "family": "李", "given": ["明"]}]
    [qual] = res["qualification"]
    assert qual["issuer"] == {"reference": f"Organization/a{reg.authority_id}", "display": reg.authority.name}
    assert qual["period"]["start"] == reg.registered_on.isoformat()
    ext = {e["url"]: e["valueCodeableConcept"]["coding"][0]["code"] for e in qual["extension"][0]["extension"]}
    assert ext["status"] == reg.status and ext["whereValid"] == reg.practice_division_id and ext["scope"] == "11"
    assert res["meta"]["lastUpdated"].startswith(str(max(reg.updated_at, reg.person.updated_at).year))
