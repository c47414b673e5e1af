"""Form pieces shared by the nurse items (护士注册): field declarations and their cleaning.

Not an item itself (no ``ITEM``): the catalogue's autodiscovery skips it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.items.base import FieldSpec, Parties
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.institutions.models import Institution
    from medreg.people.models import Person, PracticeRegistration

TRUE = (True, "true", "on", "1", 1)

REGISTRATION = FieldSpec(
    "registration", _("护士执业注册"), "registration", choices_table="nurse", autofill="registration",
    help_text=_("选择要办理的护士执业注册"),
)
INSTITUTION = FieldSpec(
    "main_institution", _("执业机构"), "institution",
    help_text=_("按机构名称、统一社会信用代码或登记号搜索，不能手工填写"),
)
HEALTH_CHECK_ON = FieldSpec(
    "health_check_on", _("体检日期"), "date",
    help_text=_("须为申请前6个月内在县级以上医疗机构的健康体检，格式：YYYY-MM-DD"),
)
HEALTH_DECLARATION = FieldSpec(
    "health_declaration", _("本人无精神病史，无色盲、色弱、双耳听力障碍，无影响履行护理职责的疾病、残疾或者功能障碍"),
    "boolean",
)
DECLARATION = FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean")

Missing = Callable[[str], None]


def person_of(user: User) -> Person:
    person = user.person
    if person is None:
        raise DomainError(_("只有已实名注册的护士可以申请护士执业注册。"), code="not_individual")
    return person


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


class Form:
    """Collects every field error at once; ``done()`` raises them together."""

    def __init__(self, data: dict[str, Any], *, partial: bool) -> None:
        self.data, self.partial = data, partial
        self.errors: list[ErrorItem] = []
        self.out: dict[str, Any] = {}

    def missing(self, name: str) -> None:
        if not self.partial:
            self.errors.append(ErrorItem("required", _("此项为必填项。"), field=name))

    def blank(self, name: str) -> bool:
        return self.data.get(name) in (None, "", [])

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise DomainError(errors=self.errors)
        return self.out

    # -- fields -------------------------------------------------------------------------------------
    def institution(self, name: str = "main_institution") -> None:
        from medreg.institutions.models import Institution

        if self.blank(name):
            self.missing(name)
            return
        inst = Institution.objects.filter(pk=as_int(self.data.get(name)) or 0, status="active").first()
        if inst is None:
            self.errors.append(ErrorItem("unknown_institution", _("请从搜索结果中选择一家正在执业的医疗机构。"),
                                         field=name))
        else:
            self.out[name] = inst.pk

    def registration(self, person: Person | None) -> None:
        from medreg.people.choices import Profession

        if self.blank("registration"):
            self.missing("registration")
            return
        reg = None
        if person is not None:
            reg = person.registrations.filter(
                pk=as_int(self.data.get("registration")) or 0, profession=Profession.NURSE
            ).first()
        if reg is None:
            self.errors.append(ErrorItem("unknown_registration", _("请选择您本人的护士执业注册。"), field="registration"))
        else:
            self.out["registration"] = reg.pk

    def text(self, name: str, limit: int, *, required: bool = True) -> None:
        value = str(self.data.get(name) or "").strip()
        if len(value) > limit:
            self.errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": limit}))
        elif not value and required:
            self.missing(name)
        self.out[name] = value

    def minimum(self, name: str, least: int, message: Any) -> None:
        if self.blank(name):
            self.missing(name)
            return
        value = as_int(str(self.data.get(name)).strip())
        if value is None or value < 0 or value > 99:
            self.errors.append(ErrorItem("not_a_number", _("请输入整数。"), field=name))
        elif value < least:
            self.errors.append(ErrorItem("too_small", message, field=name, params={"n": least}))
        else:
            self.out[name] = value

    def health(self, *, today: date | None = None) -> None:
        from medreg.people.nursing import add_months

        today = today or timezone.localdate()
        if self.blank("health_check_on"):
            self.missing("health_check_on")
        else:
            checked = parse_date(self.data.get("health_check_on"))
            months = conf("NURSE_HEALTH_CHECK_MONTHS")
            if checked is None:
                self.errors.append(ErrorItem("bad_date", _("请按YYYY-MM-DD格式填写日期。"), field="health_check_on"))
            elif checked > today:
                self.errors.append(ErrorItem("future_date", _("体检日期不能晚于今天。"), field="health_check_on"))
            elif checked < add_months(today, -months):
                self.errors.append(ErrorItem(
                    "health_check_stale", _("体检须在申请前%(n)s个月内完成（%(date)s以后）。"),
                    field="health_check_on", params={"n": months, "date": add_months(today, -months).isoformat()},
                ))
            else:
                self.out["health_check_on"] = checked.isoformat()
        self.boolean("health_declaration", _("不符合护士执业注册的健康标准，不能申请注册（护士条例第七条）。"))

    def boolean(self, name: str, message: Any) -> None:
        value = self.data.get(name) in TRUE
        if not value and not self.partial:
            self.errors.append(ErrorItem(name, message, field=name))
        self.out[name] = value

    def declaration(self) -> None:
        self.boolean("declaration", _("请阅读并勾选承诺。"))


def institution_parties(person: Person, data: dict[str, Any], *, registration: PracticeRegistration | None = None
                        ) -> Parties:
    """The chosen institution confirms; the commission that licensed (or filed) it decides."""
    from medreg.institutions.models import Institution

    inst: Institution | None = Institution.objects.select_related("licensing_authority").filter(
        pk=as_int(data.get("main_institution")) or 0
    ).first()
    if inst is None:
        raise DomainError(_("请先选择执业机构。"), code="required", field="main_institution")
    return Parties(person=person, institution=inst, authority=inst.licensing_authority,
                   target_registration=registration)


def registration_of(person: Person, data: dict[str, Any]) -> PracticeRegistration:
    from medreg.people.choices import Profession

    reg = person.registrations.select_related("main_institution__licensing_authority", "authority").filter(
        pk=as_int(data.get("registration")) or 0, profession=Profession.NURSE
    ).first()
    if reg is None:
        raise DomainError(_("未找到您的护士执业注册。"), code="no_registration", field="registration")
    return reg


def initial_registration(person: Person | None) -> dict[str, Any]:
    from medreg.people.nursing import current_registration

    reg = current_registration(person)
    return {"registration": reg.pk} if reg is not None else {}
