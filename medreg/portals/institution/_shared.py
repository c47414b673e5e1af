"""Helpers shared by the institution and the authority portals.

They live here (not in ``medreg/portals/views.py``, which has its own owner) so that both portals
render application data and attachments the same way. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from medreg.applications.models import Application
from medreg.portals.views import attachment_response  # noqa: E402,F401 - re-exported
from medreg.reference import selectors as ref


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def code_label(table: str | None, code: Any) -> str:
    """A reference code's name in the active language (the code itself if the table lacks it)."""
    if code in (None, ""):
        return ""
    if not table:
        return str(code)
    found = ref.code_map(table).get(str(code))
    return found.label(translation.get_language()) if found else str(code)


def join(values: list[str]) -> str:
    return (", " if _english() else "、").join(v for v in values if v)


@dataclass(frozen=True)
class FormRow:
    name: str
    label: str
    value: str


def form_rows(app: Application) -> list[FormRow]:
    """The application's form data as label/value pairs, codes resolved to names.

    The qualification is shown as level and category only: its certificate code embeds the
    holder's ID number and never appears in the portals.
    """
    from medreg.institutions.models import Institution
    from medreg.reference.models import Division

    data = app.form_data or {}
    rows: list[FormRow] = []
    for spec in app.item.fields:
        raw = data.get(spec.name)
        if spec.kind == "qualification":
            value = " / ".join(
                v for v in (code_label("practice_level", data.get("level_code")),
                            code_label("practice_category", data.get("category_code"))) if v
            )
        elif spec.kind == "institution":
            if raw in (None, ""):
                value = ""
            elif app.institution_id is not None and str(app.institution_id) == str(raw):
                value = app.institution.name  # type: ignore[union-attr]
            else:
                other = Institution.objects.filter(pk=_as_int(raw)).only("name").first()
                value = other.name if other else str(raw)
        elif spec.kind == "multichoice":
            value = join([code_label(spec.choices_table, c) for c in (raw or [])])
        elif spec.kind == "choice":
            value = code_label(spec.choices_table, raw)
        elif spec.kind == "boolean":
            value = str(_("是") if raw else _("否"))
        elif spec.kind == "registration":  # certificate number and holder, never the raw row id
            from medreg.people.models import PracticeRegistration

            reg = PracticeRegistration.objects.select_related("person").filter(pk=_as_int(raw) or 0).first()
            value = f"{reg.certificate_no} · {reg.person.name}" if reg else ""
        elif spec.kind == "division":
            division = Division.objects.filter(code=str(raw or "")).first()
            value = division.full_name() if division else str(raw or "")
        else:
            value = str(raw or "")
        rows.append(FormRow(spec.name, str(spec.label), value))
    return rows


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def lines(value: str) -> list[str]:
    """A textarea with one entry per line → the non-empty lines."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]
