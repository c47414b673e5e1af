"""What every institution item shares: the applicant institution, form cleaning helpers, pre-checks.

The applicant is an institution admin acting for their institution (``data["institution"]`` when
they administer several). A new institution applies through its pending registry record
(status 待执业登记), opened by the registration authority with ``create_pending_institution``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution

INSTITUTION_FIELD = FieldSpec(
    "institution", _("申请机构"), "institution", required=False, autofill="institution",
    help_text=_("管理多家机构时选择本次申请的机构"),
)
DECLARATION_FIELD = FieldSpec("declaration", _("本机构承诺所填信息及提交材料真实有效"), "boolean")


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def admin_institutions(user: User) -> list[Institution]:
    """The institutions ``user`` administers."""
    from medreg.accounts.choices import Role
    from medreg.core.scoping import scope_info
    from medreg.institutions.models import Institution

    info = scope_info(user)
    ids = sorted(i for i in info.institution_ids if info.has_role(Role.INSTITUTION_ADMIN, institution_id=i))
    return list(Institution.objects.select_related("licensing_authority").filter(pk__in=ids))


class Cleaner:
    """Collects every field error at once while normalising a form (see ``BusinessItem.clean``)."""

    def __init__(self, data: dict[str, Any], *, partial: bool) -> None:
        self.data, self.partial = data, partial
        self.errors: list[ErrorItem] = []
        self.out: dict[str, Any] = {}

    def missing(self, name: str) -> None:
        if not self.partial:
            self.errors.append(ErrorItem("required", _("此项为必填项。"), field=name))

    def text(self, name: str, limit: int, *, required: bool = True) -> str:
        value = str(self.data.get(name) or "").strip()
        if len(value) > limit:
            self.errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": limit}))
        elif not value and required:
            self.missing(name)
        self.out[name] = value
        return value

    def names(self, name: str, limit: int = 120) -> list[str]:
        """A list of names separated by “；”, “;” or new lines (e.g. 第二名称 such as 互联网医院)."""
        raw = self.data.get(name) or []
        if isinstance(raw, str):
            raw = raw.replace("；", ";").replace("\n", ";").split(";")
        values = [str(v).strip() for v in raw if str(v).strip()]
        too_long = [v for v in values if len(v) > limit]
        if too_long:
            self.errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": limit}))
        unique = list(dict.fromkeys(values))
        if len("；".join(unique)) > 300 and not too_long:
            self.errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": 300}))
        self.out[name] = "；".join(unique)  # stored as registered (Institution.aliases), shown as is
        return unique

    def choice(self, name: str, table: str, *, required: bool = True) -> str:
        from medreg.reference import selectors as ref

        value = str(self.data.get(name) or "").strip()
        if not value:
            if required:
                self.missing(name)
        elif value not in ref.code_map(table) or not ref.is_current_code(table, value):
            self.errors.append(ErrorItem("unknown_code", _("代码无效：%(codes)s"), field=name, params={"codes": value}))
        self.out[name] = value
        return value

    def multichoice(self, name: str, table: str, *, required: bool = True) -> list[str]:
        from medreg.reference import selectors as ref

        raw = self.data.get(name) or []
        if isinstance(raw, str):
            raw = raw.replace("，", ",").split(",")
        values = sorted({str(v).strip() for v in raw if str(v).strip()})
        if not values:
            if required:
                self.missing(name)
        else:
            bad = [v for v in values if v not in ref.code_map(table) or not ref.is_current_code(table, v)]
            if bad:
                self.errors.append(ErrorItem("unknown_code", _("代码无效：%(codes)s"), field=name,
                                             params={"codes": "、".join(bad)}))
        self.out[name] = values
        return values

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 100000, required: bool = True) -> int | None:
        raw = self.data.get(name)
        if raw in (None, ""):
            if required:
                self.missing(name)
            self.out[name] = None
            return None
        value = _as_int(raw)
        if value is None or not minimum <= value <= maximum:
            self.errors.append(ErrorItem("number_range", _("请填写%(min)s至%(max)s之间的整数。"), field=name,
                                         params={"min": minimum, "max": maximum}))
            self.out[name] = None
            return None
        self.out[name] = value
        return value

    def amount(self, name: str, *, required: bool = True) -> str | None:
        """A positive amount in 万元 with at most 2 decimals, kept as a string (JSON-safe)."""
        raw = self.data.get(name)
        if raw in (None, ""):
            if required:
                self.missing(name)
            self.out[name] = None
            return None
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            value = Decimal("-1")
        if value <= 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("1e12"):
            self.errors.append(ErrorItem("amount", _("请填写大于0的金额（万元，最多两位小数）。"), field=name))
            self.out[name] = None
            return None
        self.out[name] = str(value.quantize(Decimal("0.01")))
        return self.out[name]

    def declaration(self) -> None:
        declared = self.data.get("declaration") in (True, "true", "on", "1", 1)
        if not declared and not self.partial:
            self.errors.append(ErrorItem("declaration", _("请阅读并勾选承诺。"), field="declaration"))
        self.out["declaration"] = declared

    def institution(self, user: User) -> None:
        raw = self.data.get("institution")
        if raw not in (None, ""):
            self.out["institution"] = _as_int(raw)

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise DomainError(errors=self.errors)
        return self.out


class InstitutionItem(BusinessItem):
    """Base for items an institution applies for about itself."""

    subject = Subject.INSTITUTION
    applicant = "institution"
    review_chain: ClassVar[tuple[Stage, ...]] = (Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    # institution statuses in which the item may be applied for
    allowed_statuses: ClassVar[tuple[str, ...]] = ("active",)

    def initial_data(self, *, user: User) -> dict[str, Any]:
        insts = admin_institutions(user)
        return {"institution": insts[0].pk} if len(insts) == 1 else {}

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        insts = admin_institutions(user)
        if not insts:
            raise DomainError(_("只有医疗机构管理员可以为本机构申请办理此事项。"), code="not_institution_admin")
        chosen = _as_int(data.get("institution"))
        if chosen is not None:
            found = next((i for i in insts if i.pk == chosen), None)
            if found is None:
                raise DomainError(_("请选择您管理的医疗机构。"), code="unknown_institution", field="institution")
            inst = found
        elif len(insts) == 1:
            inst = insts[0]
        else:
            raise DomainError(_("请选择本次申请的机构。"), code="required", field="institution")
        return Parties(person=None, institution=inst, authority=inst.licensing_authority)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.applications.choices import OPEN
        from medreg.applications.models import Application as App

        inst = application.institution
        problems: list[ErrorItem] = []
        if inst is None:
            return [ErrorItem("required", _("请选择本次申请的机构。"), field="institution")]
        if inst.status not in self.allowed_statuses:
            problems.append(ErrorItem(
                "institution_status", _("机构当前状态为“%(status)s”，不能办理“%(item)s”。"),
                params={"status": inst.get_status_display(), "item": self.name},
            ))
        if App.objects.filter(institution=inst, item_code=self.code, status__in=OPEN).exclude(
            pk=application.pk
        ).exists():
            problems.append(ErrorItem("open_application_exists",
                                      _("本机构已有一份同一事项正在办理的申请，请继续办理该申请或先撤回。")))
        return problems
