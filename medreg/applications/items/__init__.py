"""The business-item catalogue (事项). One module per item; adding an item is adding a module.

Each module defines a :class:`~medreg.applications.items.base.BusinessItem` subclass instance named
``ITEM``. :func:`autodiscover` imports every module in this package at start-up.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from medreg.core.errors import NotFound

if TYPE_CHECKING:
    from medreg.applications.items.base import BusinessItem

_REGISTRY: dict[str, BusinessItem] = {}


def register(item: BusinessItem) -> BusinessItem:
    if item.code in _REGISTRY and _REGISTRY[item.code] is not item:
        raise RuntimeError(f"duplicate business item code {item.code}")
    _REGISTRY[item.code] = item
    return item


def autodiscover() -> None:
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            module = importlib.import_module(f"{__name__}.{mod.name}")
            item = getattr(module, "ITEM", None)
            if item is not None:
                register(item)


def get_item(code: str) -> BusinessItem:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise NotFound(_("未知的事项编码：%(code)s"), code="unknown_item", params={"code": code}) from None


def all_items() -> list[BusinessItem]:
    return sorted(_REGISTRY.values(), key=lambda i: (i.subject, i.code))
