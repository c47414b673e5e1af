#!/usr/bin/env python3
"""House rules that a linter cannot express (ARCHITECTURE.md §3, §7):

* interfaces (portals, API, public site) never write domain models themselves: no ``.save(``,
  ``.delete(``, ``.update(``, ``.create(`` or ``bulk_create`` — they call services;
* no Django signals for domain logic anywhere in ``medreg``;
* no CDN or external font/script hosts in templates and static files.

Exit status 1 with one line per finding.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERFACE_DIRS = ("medreg/portals", "medreg/api", "medreg/public")
WRITE_RE = re.compile(r"\.(save|delete|update|create|bulk_create|bulk_update|get_or_create|update_or_create)\(")
SIGNAL_RE = re.compile(r"django\.db\.models\.signals|@receiver\(|\.connect\(\s*\w+\s*,\s*sender=")
CDN_RE = re.compile(r"https?://(cdn\.|unpkg\.com|cdnjs|fonts\.googleapis|fonts\.gstatic|ajax\.googleapis)", re.I)
ALLOWED_WRITES = {"session", "cache", "request.session", "messages"}


def findings(root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for path in sorted((root / "medreg").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or "/migrations/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        if SIGNAL_RE.search(text):
            out.append(f"{rel}: uses Django signals; call services explicitly instead")
        if rel.startswith(INTERFACE_DIRS):
            for n, line in enumerate(text.splitlines(), 1):
                m = WRITE_RE.search(line)
                if m and not any(f"{w}." in line for w in ALLOWED_WRITES) and "# house-rules: ok" not in line:
                    out.append(f"{rel}:{n}: interface code writes a model ({m.group(0)}); call a service")
    for path in sorted((root / "medreg").rglob("*")):
        if path.suffix in {".html", ".css", ".js"} and "vendor" not in path.parts:
            if CDN_RE.search(path.read_text(encoding="utf-8", errors="ignore")):
                out.append(f"{path.relative_to(root)}: references an external CDN/font host")
    return out


if __name__ == "__main__":
    problems = findings()
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
