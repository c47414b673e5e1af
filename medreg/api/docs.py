"""Self-hosted API docs: Swagger UI from django-ninja's bundled static files, never from a CDN.

django-ninja falls back to a CDN template unless "ninja" is in INSTALLED_APPS; this class always renders
the local template, and switches off Swagger UI's online validator badge (an external request).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.constants import NOT_SET
from ninja.openapi.docs import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI


def _csrf_needed(api: NinjaAPI) -> bool:
    auth = api.auth if isinstance(api.auth, (list, tuple)) else [api.auth]
    return api.auth is not NOT_SET and any(getattr(a, "csrf", False) for a in auth)


class LocalSwagger(Swagger):
    template = "api/swagger.html"
    default_settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        page_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            # Escape "</" so the JSON cannot close the <script> element it sits in.
            "swagger_settings": json.dumps(page_settings).replace("</", "<\\/"),
            "api": api,
            "add_csrf": _csrf_needed(api),  # the browser session needs X-CSRFToken on "Try it out" writes
        }
        return render(request, self.template, context)
