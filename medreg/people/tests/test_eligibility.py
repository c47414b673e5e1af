"""不予注册 grounds (医师法 第16条, 2017 办法 第6条, 护士条例): each on both sides of its boundary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.core.errors import DomainError
from medreg.people import records
from medreg.people.eligibility import active_suspension, add_months, add_years, bar_until, registration_bars
from medreg.people.tests.records_helpers import activate

D = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def codes(person, profession="physician", on=None) -> list[str]:
    return [b.code for b in registration_bars(person, profession=profession, on=on)]


@pytest.fixture
def person(world, physician):
    activate(world, physician)
    return physician.person


@pytest.fixture
def approver(world):
    return world.city.users[Role.APPROVER]


@pytest.fixture
def province_approver(world):
    return world.province.users[Role.APPROVER]


def circumstance(person, user, kind, start, end=None):
    return records.record_circumstance(
        person.pk,
        acting_user=user,
        data={
            "kind": kind,
            "start_on": start.isoformat(),
            "end_on": end.isoformat() if end else "",
            "note": "记录",
        },
    )


def penalty(person, user, **data):
    base = {"profession": "physician", "reason": "违法执业", "decision_no": "云卫罚〔2026〕1号"}
    return records.record_penalty(person.pk, acting_user=user, data={**base, **data})


def test_a_person_without_records_has_no_bar(person):
    assert registration_bars(person, profession="physician") == []
    assert registration_bars(None, profession="physician") == []
    assert active_suspension(person) is None


@pytest.mark.parametrize(
    "kind,code",
    [
        ("civil_incapacity", "bar_civil_incapacity"),
        ("health_unfit", "bar_health_unfit"),
        ("reassessment_failed", "bar_reassessment_failed"),
        ("exam_cheating", "bar_exam_cheating"),
        ("fraudulent_qualification", "bar_fraudulent_qualification"),
    ],
)
def test_circumstance_bars_through_its_last_day(person, approver, kind, code):
    # ends today: still barred; the message names the ground and the date
    circumstance(person, approver, kind, today() - 30 * D, today())
    bars = registration_bars(person, profession="physician")
    assert [b.code for b in bars] == [code]
    assert today().isoformat() in bars[0].render("zh-hans")
    assert "不予注册" in bars[0].render("zh-hans")
    # tomorrow it is over
    assert codes(person, on=today() + D) == []


def test_circumstance_ended_yesterday_does_not_bar(person, approver):
    circumstance(person, approver, "civil_incapacity", today() - 30 * D, today() - D)
    assert codes(person) == []


def test_open_ended_circumstance_bars(person, approver):
    circumstance(person, approver, "civil_incapacity", today() - 30 * D)
    bars = registration_bars(person, profession="nurse")
    assert [b.code for b in bars] == ["bar_civil_incapacity"]
    assert "另行认定" in bars[0].render("zh-hans")


def test_criminal_penalty_bars_for_two_years_after_it_was_served(person, approver):
    served = add_years(today(), -2) + D  # two years end today
    circumstance(person, approver, "criminal_penalty", served - 400 * D, served)
    assert codes(person) == ["bar_criminal_penalty"]
    assert registration_bars(person, profession="physician")[0].params["until"] == today().isoformat()
    assert codes(person, on=today() + D) == []


def test_criminal_penalty_served_two_full_years_ago_does_not_bar(person, approver):
    circumstance(person, approver, "criminal_penalty", today() - 1000 * D, add_years(today(), -2))
    assert codes(person) == []


def test_criminal_penalty_still_being_served_bars_and_is_physician_only(person, approver):
    circumstance(person, approver, "criminal_penalty", today() - 10 * D)
    assert codes(person) == ["bar_criminal_penalty"]
    assert codes(person, profession="nurse") == []


@pytest.mark.parametrize("basis,years", [("general", 2), ("fraud", 3)])
def test_ban_ending_today_bars_and_ending_yesterday_does_not(person, approver, basis, years):
    penalty(
        person, approver, kind="ban", ban_basis=basis, start_on=(add_years(today(), -years) + D).isoformat()
    )
    assert codes(person) == ["bar_ban"]
    assert codes(person, on=today() + D) == []


def test_ban_that_ended_yesterday_does_not_bar(person, approver):
    penalty(person, approver, kind="ban", ban_basis="general", start_on=add_years(today(), -2).isoformat())
    assert codes(person) == []


def test_lifetime_ban_needs_province_level_and_bars_for_ever(person, approver, province_approver):
    with pytest.raises(DomainError) as exc:
        penalty(person, approver, kind="ban", ban_basis="severe", lifelong=True, start_on=today().isoformat())
    assert [e.code for e in exc.value.errors] == ["ban_level"]
    penalty(
        person, province_approver, kind="ban", ban_basis="severe", lifelong=True, start_on=today().isoformat()
    )
    bars = registration_bars(person, profession="physician", on=add_years(today(), 40))
    assert [b.code for b in bars] == ["bar_ban"]
    assert "终身" in bars[0].render("zh-hans")
    assert bar_until(person, profession="physician") is None


def test_severe_ban_is_at_least_five_years(person, province_approver):
    with pytest.raises(DomainError) as exc:
        penalty(
            person, province_approver, kind="ban", ban_basis="severe", years=4, start_on=today().isoformat()
        )
    assert [e.code for e in exc.value.errors] == ["ban_years"]
    p = penalty(
        person, province_approver, kind="ban", ban_basis="severe", years=5, start_on=today().isoformat()
    )
    assert p.end_on == add_years(today(), 5) - D


def test_revocation_bars_for_two_years(person, approver):
    penalty(person, approver, kind="revocation", start_on=(add_years(today(), -2) + D).isoformat())
    assert codes(person) == ["bar_revocation"]
    assert codes(person, on=today() + D) == []
    # a physician's revocation does not bar a nurse registration
    assert codes(person, profession="nurse") == []


def test_revocation_two_full_years_ago_does_not_bar(person, approver):
    penalty(person, approver, kind="revocation", start_on=add_years(today(), -2).isoformat())
    assert codes(person) == []


def test_suspension_in_force_bars_until_its_last_day(person, approver):
    p = penalty(person, approver, kind="suspension", months=6, start_on=today().isoformat())
    assert p.end_on == add_months(today(), 6) - D
    assert active_suspension(person) == p
    assert codes(person) == ["bar_suspension"]
    assert codes(person, on=p.end_on) == ["bar_suspension"]
    assert codes(person, on=p.end_on + D) == []
    assert active_suspension(person, p.end_on + D) is None
    assert bar_until(person, profession="physician") == p.end_on + D


def test_second_assessment_failure_bars_for_one_year_after_cancellation(world, person, approver):
    clerk = world.city.users[Role.CLERK]
    data = {"period_start": "2023-01-01", "period_end": "2025-12-31", "result": "fail"}
    records.record_assessment(
        person.pk, acting_user=clerk, data={**data, "assessed_on": (today() - 200 * D).isoformat()}
    )
    assert codes(person) == []  # a first failure proposes a suspension, it does not bar by itself
    second = records.record_assessment(
        person.pk, acting_user=clerk, data={**data, "assessed_on": (today() - 10 * D).isoformat()}
    )
    proposal = second.proposals.get()
    assert proposal.kind == "cancel"
    assert codes(person) == ["bar_assessment_cancellation"]  # proposed: barred already
    records.decide_proposal(proposal.pk, acting_user=approver, accept=True)
    last = add_years(today(), 1) - D
    assert codes(person, on=last) == ["bar_assessment_cancellation"]
    assert codes(person, on=last + D) == []


def test_dismissed_cancellation_does_not_bar(world, person, approver):
    clerk = world.city.users[Role.CLERK]
    data = {"period_start": "2023-01-01", "period_end": "2025-12-31", "result": "fail"}
    records.record_assessment(
        person.pk, acting_user=clerk, data={**data, "assessed_on": (today() - 20 * D).isoformat()}
    )
    second = records.record_assessment(
        person.pk, acting_user=clerk, data={**data, "assessed_on": today().isoformat()}
    )
    records.decide_proposal(
        second.proposals.get().pk, acting_user=approver, accept=False, note="复核后不予采纳"
    )
    assert codes(person) == []


def test_several_grounds_are_all_reported(person, approver):
    circumstance(person, approver, "health_unfit", today() - D)
    penalty(person, approver, kind="revocation", start_on=today().isoformat())
    assert sorted(codes(person)) == ["bar_health_unfit", "bar_revocation"]
    en = [b.render("en") for b in registration_bars(person, profession="physician")]
    assert all(text and "不予" not in text for text in en)
