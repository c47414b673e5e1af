"""Compile every gettext catalogue (.po) in the project into .mo files, without GNU gettext.

Run as ``python -m medreg.core.i18n``; ``make run`` and ``make test`` do it first.
"""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def compile_all(root: Path = ROOT) -> int:
    count = 0
    for po_path in sorted(root.glob("**/locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        count += 1
    return count


if __name__ == "__main__":
    print(f"compiled {compile_all()} catalogue(s)")
