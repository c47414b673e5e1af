"""The publication policy: one configurable table of who may see each register field, per record status.

The table is a TOML data file (``medreg/public/data/publication_policy.toml`` unless
``settings.MEDREG["PUBLICATION_POLICY_FILE"]`` names another). Every public surface (the register pages,
the open read API, the bulk open-data files, the "what is published about me" page) asks this module which
fields it may show, so changing one line of the file changes all of them together.

Audiences are ordered: ``public`` < ``employer`` < ``regulator``; a field is visible to an audience when the
audience is at least as wide-reaching as the field requires. Unknown fields are regulator-only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from medreg.core.conf import conf

PUBLIC, EMPLOYER, REGULATOR = "public", "employer", "regulator"
AUDIENCES = (PUBLIC, EMPLOYER, REGULATOR)
_RANK = {a: i for i, a in enumerate(AUDIENCES)}
ENTITIES = ("practitioner", "institution")
LISTED = "listed"
DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "publication_policy.toml"

#: Whatever a deployment's file says, these can never be public (china-registration-rules §5).
ALWAYS_PRIVATE: dict[str, frozenset[str]] = {
    "practitioner": frozenset(
        {"id_number", "birth_date", "phone", "email", "home_address", "qualification_certificate_code"}
    ),
    "institution": frozenset(),
}

AUDIENCE_LABELS = {PUBLIC: _("公开"), EMPLOYER: _("仅执业机构可见"), REGULATOR: _("仅卫生健康行政部门可见")}

FIELD_LABELS: dict[str, dict[str, Any]] = {
    "practitioner": {
        LISTED: _("是否出现在公开查询中"),
        "name": _("姓名"),
        "gender": _("性别"),
        "profession": _("职业"),
        "level": _("执业级别"),
        "category": _("执业类别"),
        "scopes": _("执业范围"),
        "main_institution": _("主要执业机构"),
        "practice_place": _("执业地点"),
        "practice_sites": _("多机构执业（备案）"),
        "status": _("注册状态"),
        "registered_on": _("注册日期"),
        "valid_until": _("有效期至"),
        "sanctions": _("执业限制（暂停执业等）"),
        "title": _("职称"),
        "certificate_no": _("执业证书编码"),
        "education": _("学历"),
        "school": _("毕业学校"),
        "id_number": _("身份证件号码"),
        "birth_date": _("出生日期"),
        "phone": _("手机号码"),
        "email": _("电子邮箱"),
        "home_address": _("住址"),
        "qualification_certificate_code": _("资格证书编码"),
    },
    "institution": {
        LISTED: _("是否出现在公开查询中"),
        "name": _("机构名称"),
        "aliases": _("第二名称/常用名"),
        "uscc": _("统一社会信用代码"),
        "registration_no": _("登记号"),
        "category": _("机构类别"),
        "grade": _("医院等级"),
        "division": _("所在地"),
        "address": _("地址"),
        "licensing_authority": _("登记机关"),
        "legal_representative": _("法定代表人"),
        "principal": _("主要负责人"),
        "subjects": _("诊疗科目"),
        "beds": _("床位数"),
        "licence_valid_from": _("许可证有效期起"),
        "licence_valid_until": _("许可证有效期至"),
        "status": _("执业状态"),
        "validation": _("校验"),
        "contact_phone": _("联系电话"),
    },
}


@dataclass(frozen=True)
class Policy:
    """The loaded table: ``rules[entity][status or ""][field] -> audience`` (``""`` is the default row)."""

    version: int
    rules: dict[str, dict[str, dict[str, str]]]
    source: str = ""
    never_public: dict[str, frozenset[str]] = field(default_factory=dict)
    # answers of fields()/visible_fields(), which every public record asks: the table never changes once loaded
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def required(self, entity: str, field_name: str, status: str | None = None) -> str:
        """The narrowest audience that may see ``field_name`` of an ``entity`` record in ``status``."""
        table = self.rules.get(entity, {})
        if status and field_name in table.get(status, {}):
            return table[status][field_name]
        return table.get("", {}).get(field_name, REGULATOR)

    def visible(self, entity: str, field_name: str, status: str | None, audience: str = PUBLIC) -> bool:
        return _RANK[audience] >= _RANK[self.required(entity, field_name, status)]

    def listed(self, entity: str, status: str | None, audience: str = PUBLIC) -> bool:
        return self.visible(entity, LISTED, status, audience)

    def fields(self, entity: str) -> list[str]:
        """Every field the table names for ``entity`` (declaration order), without ``listed``."""
        key = ("fields", entity)
        found = self._memo.get(key)
        if found is None:
            names = list(self.rules.get(entity, {}).get("", {}))
            for row in self.rules.get(entity, {}).values():
                names += [n for n in row if n not in names]
            found = self._memo[key] = tuple(n for n in names if n != LISTED)
        return list(found)

    def visible_fields(self, entity: str, status: str | None, audience: str = PUBLIC) -> list[str]:
        key = ("visible", entity, status or "", audience)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(
                f for f in self.fields(entity) if self.visible(entity, f, status, audience))
        return list(found)

    def shown(self, entity: str, status: str | None, audience: str = PUBLIC) -> frozenset[str]:
        """Every field the table names (``listed`` included) that ``audience`` may see of an ``entity`` record
        in ``status``: one set per status, for renderers that ask about many fields of many records."""
        key = ("shown", entity, status or "", audience)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(
                f for f in (*self.fields(entity), LISTED) if self.visible(entity, f, status, audience))
        return found  # type: ignore[no-any-return]

    def listed_statuses(self, entity: str, statuses: list[str], audience: str = PUBLIC) -> list[str]:
        return [s for s in statuses if self.listed(entity, s, audience)]


def _invalid(source: str, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"publication policy {source}: {message}")


def parse_policy(data: dict[str, Any], *, source: str = "<dict>") -> Policy:
    """Check and normalise a policy table; a forbidden field made public is a configuration error."""
    version = data.get("version")
    if not isinstance(version, int):
        raise _invalid(source, "`version` must be an integer")
    rules: dict[str, dict[str, dict[str, str]]] = {}
    never: dict[str, frozenset[str]] = {}
    for entity in ENTITIES:
        section = data.get(entity)
        if not isinstance(section, dict):
            raise _invalid(source, f"missing section [{entity}]")
        never[entity] = ALWAYS_PRIVATE[entity] | frozenset(section.get("never_public") or [])
        rows: dict[str, dict[str, str]] = {"": dict(section.get("fields") or {})}
        for status, row in (section.get("status") or {}).items():
            rows[str(status)] = dict(row)
        for status, row in rows.items():
            for name, audience in row.items():
                if audience not in AUDIENCES:
                    raise _invalid(source, f"{entity}.{status or 'fields'}.{name}: unknown audience {audience!r}")
                if name in never[entity] and audience == PUBLIC:
                    raise _invalid(source, f"{entity}.{name} can never be public")
        rules[entity] = rows
    return Policy(version=version, rules=rules, source=source, never_public=never)


@lru_cache(maxsize=4)
def _load(path: str) -> Policy:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _invalid(path, str(exc)) from exc
    return parse_policy(data, source=path)


def current_policy() -> Policy:
    """The deployment's policy (cached per file path)."""
    return _load(str(conf("PUBLICATION_POLICY_FILE") or DEFAULT_FILE))


def field_label(entity: str, field_name: str) -> Any:
    return FIELD_LABELS.get(entity, {}).get(field_name, field_name)
