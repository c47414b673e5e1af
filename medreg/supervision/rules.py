"""Data-driven rules of the supervision app: inspection templates per institution kind, the mapping from
a physician's 执业范围 to 诊疗科目, and what each party must do when a registration is affected.

The tables are data files in ``medreg/supervision/data/`` (read once per process).
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from medreg.supervision.choices import SiteRelation, WarningReason

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def inspection_templates() -> list[dict[str, Any]]:
    """Every 《现场踏勘结论表》 template (code, name, category_prefixes, items)."""
    body = json.loads((DATA_DIR / "inspection_templates.json").read_text(encoding="utf-8"))
    templates: list[dict[str, Any]] = body["templates"]
    return templates


def template_for(category_code: str) -> dict[str, Any]:
    """The template for an institution of WS 218 category ``category_code`` (longest prefix wins)."""
    best: dict[str, Any] | None = None
    best_len = -1
    default: dict[str, Any] | None = None
    for tpl in inspection_templates():
        if tpl["code"] == "default":
            default = tpl
        for prefix in tpl.get("category_prefixes", []):
            if category_code.startswith(prefix) and len(prefix) > best_len:
                best, best_len = tpl, len(prefix)
    chosen = best or default
    if chosen is None:  # pragma: no cover - the data file ships a default
        raise LookupError("no default inspection template")
    return chosen


@cache
def scope_subject_map() -> dict[str, frozenset[str]]:
    """执业范围 code → the first-level 诊疗科目 codes it qualifies a physician for."""
    text = (DATA_DIR / "scope_subjects.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        out.setdefault(row["scope_code"].strip(), set()).add(row["subject_code"].strip())
    return {k: frozenset(v) for k, v in out.items()}


def subjects_for_scopes(scope_codes: list[str]) -> set[str]:
    mapping = scope_subject_map()
    found: set[str] = set()
    for code in scope_codes:
        found |= mapping.get(str(code), frozenset())
    return found


def top_subject(code: str) -> str:
    """The first-level 诊疗科目 code of ``code`` ("03.01" → "03")."""
    return code.split(".", 1)[0]


# What each party must do, by (relation, reason). Stored on the warning as action codes.
ACTION_TEXT: dict[str, Any] = {
    "stop_at_site": _("停止在该机构执业"),
    "change_main": _("办理变更注册，变更主要执业机构"),
    "pause_during_deferral": _("暂缓校验期间关注机构校验结果；无床位机构暂缓校验期间不得执业"),
    "end_filing": _("办理备案执业机构的注销（结束备案）"),
    "check_practice": _("核查该人员是否仍在该机构执业"),
    "urge_change": _("督促其办理变更注册或注销注册"),
    "end_filed_site": _("核查并结束其在该机构的备案执业"),
}

PERSON_ACTIONS: dict[tuple[str, str], list[str]] = {
    (SiteRelation.MAIN, WarningReason.SUSPENDED): ["stop_at_site", "change_main"],
    (SiteRelation.MAIN, WarningReason.CANCELLED): ["stop_at_site", "change_main"],
    (SiteRelation.MAIN, WarningReason.DEFERRED_VERIFICATION): ["pause_during_deferral"],
    (SiteRelation.FILED, WarningReason.SUSPENDED): ["stop_at_site", "end_filing"],
    (SiteRelation.FILED, WarningReason.CANCELLED): ["stop_at_site", "end_filing"],
    (SiteRelation.FILED, WarningReason.DEFERRED_VERIFICATION): ["pause_during_deferral"],
}
AUTHORITY_ACTIONS: dict[tuple[str, str], list[str]] = {
    (SiteRelation.MAIN, WarningReason.SUSPENDED): ["check_practice", "urge_change"],
    (SiteRelation.MAIN, WarningReason.CANCELLED): ["check_practice", "urge_change"],
    (SiteRelation.MAIN, WarningReason.DEFERRED_VERIFICATION): ["check_practice"],
    (SiteRelation.FILED, WarningReason.SUSPENDED): ["check_practice", "end_filed_site"],
    (SiteRelation.FILED, WarningReason.CANCELLED): ["check_practice", "end_filed_site"],
    (SiteRelation.FILED, WarningReason.DEFERRED_VERIFICATION): ["check_practice"],
}


def action_labels(codes: list[str]) -> list[str]:
    return [str(ACTION_TEXT.get(c, c)) for c in codes]
