"""The FHIR edge: every served resource passes fhir.resources validation, each distinct content once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medreg.exchange.fhir import render


@pytest.fixture(autouse=True)
def _empty_memo():
    render._VALIDATED.clear()
    yield
    render._VALIDATED.clear()


def _practitioner(family: str = "张") -> dict:
    return {"resourceType": "Practitioner", "id": "p1", "active": True, "name": [{"family": family, "given": ["三"]}]}


@pytest.fixture
def validations(monkeypatch):
    calls = []
    model = render.MODELS["Practitioner"]

    class Counting:
        @staticmethod
        def model_validate(data):
            calls.append(data["name"][0]["family"])
            return model.model_validate(data)

    monkeypatch.setitem(render.MODELS, "Practitioner", Counting)
    return calls


def test_the_same_content_is_validated_once_and_changed_content_again(validations):
    assert render.edge(_practitioner()) == _practitioner()
    render.edge(_practitioner())
    render.edge(_practitioner("李"))
    assert validations == ["张", "李"]


def test_an_invalid_resource_is_refused_every_time(validations):
    bad = {**_practitioner(), "active": "perhaps"}
    for _ in range(2):
        with pytest.raises(ValidationError):
            render.edge(bad)
    assert validations == ["张", "张"]
    assert not render._VALIDATED


def test_the_memo_is_bounded(validations, monkeypatch):
    monkeypatch.setattr(render, "VALIDATED_MEMO_SIZE", 2)
    for family in ("甲", "乙", "丙"):
        render.edge(_practitioner(family))
    assert len(render._VALIDATED) == 1  # emptied when full, then the newest
    render.edge(_practitioner("甲"))
    assert validations == ["甲", "乙", "丙", "甲"]
