"""``{% select_options options value %}``: the ``<option>`` list of a select field in ``portals/_field.html``.

The same markup the template loop wrote (each option's value and label escaped, `` selected`` on the one
whose value equals ``value`` as text), built in Python: a province list of 34 options cost some 200
template-variable lookups per page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute, no user data


@register.simple_tag
def select_options(options: Iterable[Any], value: Any) -> SafeString:
    current = str(value)
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((opt[0], _SELECTED if str(opt[0]) == current else "", opt[1]) for opt in options or ()),
    )
