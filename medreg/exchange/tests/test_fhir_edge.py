"""The FHIR edge: every served resource passes fhir.resources validation, each distinct shape once.

A shape is the structure plus, for every leaf, which FHIR primitive types accept it. These tests pin both
halves: a resource that differs only in valid values is not validated again, and a value that breaks its
element's primitive type is refused even when a valid resource of the same structure came first."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from medreg.exchange.fhir import render


@pytest.fixture(autouse=True)
def _empty_memo():
    render._VALIDATED.clear()
    yield
    render._VALIDATED.clear()


def _practitioner(family: str = "张", given: str = "三", start: str = "2001-07-21", rid: str = "p1") -> dict:
    return {"resourceType": "Practitioner", "id": rid, "active": True,
            "name": [{"use": "official", "text": family + given, "family": family, "given": [given]}],
            "qualification": [{"code": {"coding": [{"system": "urn:medreg:CodeSystem:profession", "code": "physician"}]},
                               "period": {"start": start}}]}


@pytest.fixture
def validations(monkeypatch):
    calls = []
    model = render.MODELS["Practitioner"]

    class Counting:
        @staticmethod
        def model_validate(data):
            calls.append(data["name"][0]["text"][:1])
            return model.model_validate(data)

    monkeypatch.setitem(render.MODELS, "Practitioner", Counting)
    return calls


def test_a_resource_of_a_validated_shape_is_not_validated_again(validations):
    assert render.edge(_practitioner()) == _practitioner()
    render.edge(_practitioner())
    render.edge(_practitioner("李", "敏凤", "1999-12-31", "p2"))  # other values, same structure and leaf types
    assert validations == ["张"]
    render.edge({**_practitioner("王"), "gender": "female"})  # another structure
    assert validations == ["张", "王"]


@pytest.mark.parametrize("breaking", [
    ("a date that does not exist", lambda r: r["qualification"][0]["period"].update(start="2001-13-45")),
    ("an id with a space", lambda r: r.update(id="p 1")),
    ("an empty string", lambda r: r["name"][0].update(family="")),
    ("a code with a leading space", lambda r: r["qualification"][0]["code"]["coding"][0].update(code=" physician")),
    ("a boolean as text", lambda r: r.update(active="perhaps")),
    ("a list where an object belongs", lambda r: r["qualification"][0].update(period=[{"start": "2001-07-21"}])),
])
def test_a_value_its_element_refuses_is_caught_after_a_valid_resource_of_the_same_structure(validations, breaking):
    render.edge(_practitioner())
    bad = copy.deepcopy(_practitioner("李"))
    breaking[1](bad)
    for _ in range(2):
        with pytest.raises(ValidationError):
            render.edge(bad)
    assert validations == ["张", "李", "李"]  # refused every time, never remembered
    assert len(render._VALIDATED) == 1


def test_leaf_classes_tell_primitive_types_apart():
    def accepted(value):
        return render._leaf_class(type(value), value)

    assert accepted("2001-07-21") == accepted("1999-12-31")
    assert accepted("2001-07-21") != accepted("2001-13-45")
    assert accepted("i12") != accepted("i 12")
    assert accepted(True) != accepted(1)  # equal in Python, not to FHIR


def test_the_memo_is_bounded(validations, monkeypatch):
    monkeypatch.setattr(render, "VALIDATED_MEMO_SIZE", 2)
    shapes = [_practitioner("甲"), {**_practitioner("乙"), "gender": "male"}, {**_practitioner("丙"), "active": False,
                                                                              "gender": "male", "language": "zh"}]
    for res in shapes:
        render.edge(res)
    assert len(render._VALIDATED) == 1  # emptied when full, then the newest
    render.edge(_practitioner("甲"))
    assert validations == ["甲", "乙", "丙", "甲"]


def test_a_resource_holding_other_containers_is_validated_every_time(validations):
    class Tagged(dict):
        pass

    for _ in range(2):
        render.edge({**_practitioner(), "meta": Tagged(versionId="1")})
    assert validations == ["张", "张"]
