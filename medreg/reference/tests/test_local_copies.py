"""The per-process copies of the reference data that public pages read instead of joining or unpickling."""

from __future__ import annotations

import datetime as dt

import pytest

from medreg.reference import selectors as ref
from medreg.reference.models import Code


@pytest.mark.django_db
def test_division_chain_names_province_city_and_county():
    assert ref.division_chain("530102") == ("云南省", "昆明市", "五华区")
    assert ref.division_chain("530100") == ("云南省", "昆明市")
    assert ref.division_chain("530000") == ("云南省",)
    assert ref.division_chain("999999") == ()
    assert ref.division_chain("") == () and ref.division_chain(None) == ()


@pytest.mark.django_db
def test_code_map_is_kept_per_process_until_forgotten(django_assert_num_queries):
    ref.forget_local()
    with django_assert_num_queries(1):
        first = ref.code_map("practice_level")
    with django_assert_num_queries(0):
        assert ref.code_map("practice_level") is first  # no query, no unpickling
    Code.objects.create(table="practice_level", code="9", name="测试级别", valid_from=dt.date(2020, 1, 1))
    assert "9" not in ref.code_map("practice_level")  # the copy lives up to LOCAL_SECONDS
    ref.forget_local()
    from django.core.cache import cache

    cache.clear()
    assert ref.code_map("practice_level")["9"].name == "测试级别"


@pytest.mark.django_db
def test_reloading_the_reference_data_forgets_the_copies():
    from medreg.reference.services import load_reference_data

    ref.code_map("practice_level")
    ref.division_chain("530102")
    assert ref._LOCAL and ref._DIVISIONS
    load_reference_data(acting_user=None)
    assert not ref._LOCAL and not ref._DIVISIONS
