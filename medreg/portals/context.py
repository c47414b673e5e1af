"""Template context shared by every page: which portals the user may enter."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medreg.core.scoping import scope_info


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    info = scope_info(user)
    return {
        "portal_access": {
            "authority": bool(info.authority_ids) or info.national,
            "institution": bool(info.institution_ids),
            "individual": info.person_id is not None,
        }
    }
