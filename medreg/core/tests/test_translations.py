"""Every Chinese source string in the Python code has an English translation, and errors render in English.

Source strings are Chinese and go through gettext (``_("...")``). Each app keeps its English catalogue in
``medreg/<app>/locale/en/LC_MESSAGES/django.po``; Django merges them all at run time, so a msgid only needs a
translation in one catalogue. The strings are found with :mod:`ast` (not regular expressions), so implicit
concatenations like ``_("a" "b")`` count as one msgid and an f-string inside ``_()`` is caught.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
MEDREG = ROOT / "medreg"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\(([^)]+)\)")
# gettext functions by the position of the msgid (and of the context, for the p* forms).
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
CONTEXTUAL = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


@dataclass(frozen=True)
class Msg:
    msgid: str
    context: str | None
    where: str

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid


def _python_sources() -> Iterator[Path]:
    for path in sorted(MEDREG.rglob("*.py")):
        parts = path.relative_to(MEDREG).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _badly_formed(node: ast.AST) -> str | None:
    """Why a msgid argument cannot be translated, if it is an interpolated string."""
    if isinstance(node, ast.JoinedStr):
        return "f-string inside gettext"
    if isinstance(node, ast.BinOp) and _constant(node.left) is not None:
        return "string formatted before translation"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and _constant(node.func.value) is not None):
        return "str.format() before translation"
    return None


def extract() -> tuple[list[Msg], list[str]]:
    """All msgids in the Python sources, and the calls whose msgid is not a plain string literal."""
    found: list[Msg] = []
    problems: list[str] = []
    for path in _python_sources():
        rel = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name = node.func.id
            if name in SINGULAR:
                context, args = None, node.args
            elif name in CONTEXTUAL and node.args:
                context, args = _constant(node.args[0]), node.args[1:]
            else:
                continue
            if not args:
                continue
            where = f"{rel}:{node.lineno}"
            msgid = _constant(args[0])
            if msgid is not None:
                found.append(Msg(msgid, context, where))
            elif reason := _badly_formed(args[0]):
                problems.append(f"{where}: {reason}")
    return found, problems


def catalogues() -> list[Path]:
    return sorted(MEDREG.glob("**/locale/en/LC_MESSAGES/django.po"))


def english() -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> English, from every catalogue (untranslated and fuzzy entries left out)."""
    out: dict[tuple[str | None, str], str] = {}
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            if entry.obsolete or entry.fuzzy:
                continue
            text = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
            if text.strip():
                out.setdefault((entry.msgctxt, entry.msgid), text)
    return out


# --- catalogues ---------------------------------------------------------------------------------------


def test_the_extractor_reads_concatenations_and_choices_labels():
    msgids = {m.msgid for m in extract()[0]}
    assert "草稿" in msgids  # DRAFT = "draft", _("草稿")
    assert any(m.startswith("取得医师资格的人员") and m.endswith("执业助理医师为县级行政区划。") for m in msgids)


def test_no_gettext_call_interpolates_before_translating():
    assert extract()[1] == []


def test_every_chinese_source_string_has_an_english_translation():
    translated = english()
    missing = sorted(
        {f"{m.where}: {m.msgid}" for m in extract()[0] if CJK.search(m.msgid) and m.key not in translated}
    )
    assert missing == [], "add these to the app's locale/en/LC_MESSAGES/django.po:\n" + "\n".join(missing)


def test_translations_keep_the_named_placeholders():
    wrong = []
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            texts = [entry.msgstr] if entry.msgstr else list((entry.msgstr_plural or {}).values())
            for text in texts:
                if text and sorted(set(PLACEHOLDER.findall(entry.msgid))) != sorted(set(PLACEHOLDER.findall(text))):
                    wrong.append(f"{path.relative_to(ROOT)}: {entry.msgid!r} -> {text!r}")
    assert wrong == []


def test_a_msgid_means_the_same_in_every_catalogue():
    # Django merges all catalogues into one; two different translations would make one of them win silently.
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.fuzzy:
                seen.setdefault((entry.msgctxt, entry.msgid), {})[str(path.relative_to(ROOT))] = entry.msgstr
    conflicts = {key[1]: texts for key, texts in seen.items() if len(set(texts.values())) > 1}
    assert conflicts == {}


def test_catalogues_declare_utf8_and_english():
    for path in catalogues():
        po = polib.pofile(str(path))
        assert po.metadata.get("Language") == "en", path
        assert "charset=UTF-8" in po.metadata.get("Content-Type", ""), path


# --- rendered errors --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_catalogues():
    """Compile the .po files and make Django reload them (a catalogue read before compiling would be stale)."""
    from django.utils.translation import trans_real

    from medreg.core.i18n import compile_all

    compile_all()
    gettext_module._translations.clear()  # the stdlib caches parsed .mo files by path
    trans_real._translations = {}
    trans_real._default = None


def _english_text(error, item_code: str) -> str:
    items = [e for e in error.errors if e.code == item_code]
    assert items, [e.code for e in error.errors]
    data = items[0].as_dict()
    assert data["message_en"] != data["message_zh"]
    return data["message_en"]


@pytest.mark.django_db
def test_a_required_reason_renders_in_english(compiled_catalogues):
    from medreg.applications import services
    from medreg.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.return_by_institution(0, acting_user=None, reason="  ")
    assert _english_text(caught.value, "required") == "Please give the reason for returning the application."


def test_an_unknown_practice_scope_renders_in_english(compiled_catalogues, physician):
    from medreg.applications.items import get_item
    from medreg.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        get_item("PHY-REG-FIRST").clean({"scope_codes": ["ZZ"]}, user=physician, partial=True)
    text = _english_text(caught.value, "unknown_scope")
    assert text == "Invalid practice scope code(s): ZZ"


def test_a_scope_outside_the_qualification_category_renders_in_english(compiled_catalogues, physician):
    from medreg.applications.items import get_item
    from medreg.core.errors import DomainError
    from medreg.people import selectors as people
    from medreg.reference import selectors as ref

    qual = people.physician_qualifications(physician.person)[0]
    other = next(c.code for c in ref.codes("practice_scope")
                 if c.parent_code and c.parent_code != qual.category_code and c.code != "57")
    with pytest.raises(DomainError) as caught:
        get_item("PHY-REG-FIRST").clean({"qualification": qual.pk, "scope_codes": [other]}, user=physician,
                                        partial=True)
    text = _english_text(caught.value, "scope_category")
    assert text.startswith("The practice scope ")
    assert "practice category of your qualification certificate" in text


def test_a_choices_label_renders_in_english(compiled_catalogues):
    from django.utils import translation

    from medreg.applications.choices import Status
    from medreg.licences.choices import LicenceStatus

    with translation.override("en"):
        assert str(Status.CORRECTION.label) == "Awaiting corrections"
        assert str(LicenceStatus.SUPERSEDED.label) == "Superseded by a newer version"
    with translation.override("zh-hans"):
        assert str(Status.CORRECTION.label) == "补正中"
