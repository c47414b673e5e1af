"""不予注册 (refusal grounds) computed from a person's records. Contract used by every registration item.

``registration_bars(person, *, profession, on=None)`` returns every ground that applies on ``on``;
``active_suspension(person, on=None)`` returns the suspension penalty in force or ``None``.

Grounds (医师法 第16条; 《医师执业注册管理办法》(2017) 第6条 [K]; 护士条例 第7、32条):

* ``bar_civil_incapacity``: 无民事行为能力或者限制民事行为能力 (recorded circumstance in force);
* ``bar_criminal_penalty``: 受刑事处罚, 刑罚执行完毕不满二年 (physicians);
* ``bar_ban``: 被依法禁止从事医师/护士职业 and the ban has not ended (incl. lifetime);
* ``bar_revocation``: 被吊销执业证书不满二年;
* ``bar_assessment_cancellation``: 因定期考核二次不合格被注销注册不满一年 (physicians);
* ``bar_suspension``: 暂停执业活动期限未满;
* ``bar_health_unfit``, ``bar_reassessment_failed``, ``bar_exam_cheating``,
  ``bar_fraudulent_qualification``: the 2017 办法 第6条 grounds, while the recorded circumstance lasts.

Day arithmetic: a waiting period of N years after day D bars up to and including D + N years − 1 day;
a sanction whose last day is E bars up to and including E.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.core.conf import conf
from medreg.core.errors import ErrorItem
from medreg.people.choices import Profession

if TYPE_CHECKING:
    from medreg.people.models import Penalty, Person

SUSPENSION_KINDS = ("suspension", "assessment_suspension")


def rules(name: str) -> Any:
    """One value of ``MEDREG["RECORDS"]``."""
    return conf("RECORDS")[name]


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's last day."""
    import calendar

    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def active_suspension(
    person: Person, on: dt.date | None = None, *, profession: str | None = None
) -> Penalty | None:
    """The 暂停执业 penalty in force on ``on`` (default: today), or ``None``. Latest-ending first."""
    from medreg.people.models import Penalty

    day = _today(on)
    qs = Penalty.objects.filter(person=person, kind__in=SUSPENSION_KINDS, start_on__lte=day, end_on__gte=day)
    if profession:
        qs = qs.filter(profession=profession)
    return qs.order_by("-end_on", "-pk").first()


def _in_force(qs: Any, day: dt.date) -> Any:
    from django.db.models import Q

    return qs.filter(start_on__lte=day).filter(Q(end_on__isnull=True) | Q(end_on__gte=day))


def registration_bars(
    person: Person | None, *, profession: str, on: dt.date | None = None
) -> list[ErrorItem]:
    """Every 不予注册 ground that applies to ``person`` for ``profession`` on ``on`` (default: today).

    Each item has a stable ``code``, a Chinese message naming the ground and the last barred day
    (``params["until"]``, ISO date, or "终身"/"另行认定" when open-ended).
    """
    from medreg.people.models import (
        Assessment,
        Circumstance,
        CircumstanceKind,
        Penalty,
        PenaltyKind,
        Proposal,
        ProposalKind,
        RecordProposalStatus,
    )

    if person is None or getattr(person, "pk", None) is None:
        return []
    day = _today(on)
    physician = profession == Profession.PHYSICIAN
    bars: list[ErrorItem] = []

    def bar(code: str, message: Any, until: dt.date | None, *, open_label: Any = None, **extra: Any) -> None:
        label = until.isoformat() if until else str(open_label or _("另行认定"))
        bars.append(ErrorItem(code, message, params={"until": label, **extra}))

    # Circumstances in force (civil capacity, health, 2017 办法 grounds).
    ongoing = {
        CircumstanceKind.CIVIL_INCAPACITY: (
            "bar_civil_incapacity",
            _("不予注册：无民事行为能力或者限制民事行为能力（至%(until)s）。"),
        ),
        CircumstanceKind.HEALTH_UNFIT: (
            "bar_health_unfit",
            _("不予注册：身体健康状况不适宜执业（至%(until)s）。"),
        ),
    }
    if physician:
        ongoing.update(
            {
                CircumstanceKind.REASSESSMENT_FAILED: (
                    "bar_reassessment_failed",
                    _("不予注册：重新申请注册，经考核不合格（至%(until)s）。"),
                ),
                CircumstanceKind.EXAM_CHEATING: (
                    "bar_exam_cheating",
                    _("不予注册：在医师资格考试中参与有组织作弊（至%(until)s）。"),
                ),
                CircumstanceKind.FRAUDULENT_QUALIFICATION: (
                    "bar_fraudulent_qualification",
                    _("不予注册：以伪造或借用的医师资格申请注册（至%(until)s）。"),
                ),
            }
        )
    circumstances = _in_force(Circumstance.objects.filter(person=person, kind__in=list(ongoing)), day)
    seen: set[str] = set()
    for c in circumstances.order_by("-end_on"):
        if c.kind in seen:
            continue
        seen.add(c.kind)
        code, message = ongoing[CircumstanceKind(c.kind)]
        bar(code, message, c.end_on)

    # 刑事处罚: served less than N years ago, or still being served.
    if physician:
        wait = rules("WAIT_YEARS_AFTER_CRIMINAL_PENALTY")
        for c in Circumstance.objects.filter(
            person=person, kind=CircumstanceKind.CRIMINAL_PENALTY, start_on__lte=day
        ).order_by("-pk"):
            until = None if c.end_on is None else add_years(c.end_on, wait) - dt.timedelta(days=1)
            if until is None or day <= until:
                bar(
                    "bar_criminal_penalty",
                    _("不予注册：受刑事处罚，刑罚执行完毕不满%(years)s年（至%(until)s）。"),
                    until,
                    years=wait,
                )
                break

    penalties = Penalty.objects.filter(person=person, profession=profession)
    # Bans (禁止从事执业活动), including lifetime bans.
    ban = _in_force(penalties.filter(kind=PenaltyKind.BAN), day).order_by("end_on").last()
    lifetime = _in_force(penalties.filter(kind=PenaltyKind.BAN, end_on__isnull=True), day).first()
    if lifetime is not None:
        bar(
            "bar_ban",
            _("不予注册：被依法禁止从事执业活动，期限未满（至%(until)s）。"),
            None,
            open_label=_("终身"),
        )
    elif ban is not None:
        bar("bar_ban", _("不予注册：被依法禁止从事执业活动，期限未满（至%(until)s）。"), ban.end_on)

    # 吊销: less than N years ago.
    wait = rules("WAIT_YEARS_AFTER_REVOCATION")
    revocation = (
        penalties.filter(kind=PenaltyKind.REVOCATION, start_on__lte=day).order_by("-start_on").first()
    )
    if revocation is not None:
        until = add_years(revocation.start_on, wait) - dt.timedelta(days=1)
        if day <= until:
            bar(
                "bar_revocation",
                _("不予注册：被吊销执业证书不满%(years)s年（至%(until)s）。"),
                until,
                years=wait,
            )

    # 定期考核: cancelled (or proposed for cancellation) after a second failure, less than N year(s) ago.
    if physician:
        wait = rules("WAIT_YEARS_AFTER_ASSESSMENT_CANCELLATION")
        proposal = (
            Proposal.objects.filter(
                person=person,
                kind=ProposalKind.CANCEL,
                status__in=[RecordProposalStatus.OPEN, RecordProposalStatus.ACCEPTED],
            )
            .select_related("assessment")
            .order_by("-pk")
            .first()
        )
        if proposal is not None:
            base = proposal.decided_on or proposal.assessment.assessed_on
            until = add_years(max(base, proposal.assessment.assessed_on), wait) - dt.timedelta(days=1)
            passed_since = Assessment.objects.filter(
                person=person, result="pass", assessed_on__gt=proposal.assessment.assessed_on
            ).exists()
            if proposal.assessment.assessed_on <= day <= until and not passed_since:
                bar(
                    "bar_assessment_cancellation",
                    _("不予注册：因定期考核不合格被注销注册不满%(years)s年（至%(until)s）。"),
                    until,
                    years=wait,
                )

    # 暂停执业活动 in force.
    suspension = active_suspension(person, day, profession=profession)
    if suspension is not None:
        bar("bar_suspension", _("不予注册：暂停执业活动期限未满（至%(until)s）。"), suspension.end_on)
    return bars


def bar_until(person: Person, *, profession: str, on: dt.date | None = None) -> dt.date | None:
    """The first day none of the dated bars applies (``None`` when there is no bar or an open-ended one)."""
    day = _today(on)
    last: dt.date | None = None
    for item in registration_bars(person, profession=profession, on=day):
        try:
            until = dt.date.fromisoformat(str(item.params["until"]))
        except ValueError:
            return None
        last = until if last is None or until > last else last
    return None if last is None else last + dt.timedelta(days=1)
