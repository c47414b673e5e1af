"""The `medreg` console command: Django's management commands with MedReg's settings.

``medreg serve``, ``medreg migrate``, ``medreg load-reference``, ``medreg demo``,
``medreg demo accounts --json``, ``medreg worker``, ``medreg audit-verify`` and every other
``manage.py`` command. Dashes in command names are accepted for underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["medreg", *args])


if __name__ == "__main__":
    main()
