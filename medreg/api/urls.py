"""The API: ``/api/v1/`` (mounted by config/urls.py as ``api``), OpenAPI at ``/api/v1/openapi.json`` and
self-hosted docs at ``/api/v1/docs``.

Every error, including unknown routes and wrong methods, is ``application/problem+json``
(see :mod:`medreg.api.errors`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from medreg.api import errors
from medreg.api.auth import AUTH
from medreg.api.docs import LocalSwagger
from medreg.api.routers import (
    accounts,
    applications,
    auth,
    institutions,
    items,
    licence_checks,
    me,
    people,
    reference,
    verify,
)
from medreg.api.routers import public as public_register
from medreg.api.routers import records as records_api
from medreg.api.routers import supervision as supervision_api

DESCRIPTION = """
MedReg REST API: the business-item catalogue, applications and their workflow, the caller's e-licences,
self-registration and account activation, institution rosters, top-down account administration, and the
public institution search and e-licence verification.

* Systems authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/token`; browsers
  signed in to the portal use their session (send the `X-CSRFToken` header on writes).
* Errors are `application/problem+json` (RFC 9457) with field-level items in Chinese and English;
  `Accept-Language` chooses the language of `title`, `detail` and `message`.
* Lists use cursor pagination: pass `next_cursor` back as `cursor`.
* The public register under `/public/` is keyless; rate limit per client address `MEDREG_PUBLIC_API_RATE`
  (default 60 requests/minute), past it `429` with `Retry-After`. Bulk files: `docs/open-data.md`.
"""


def _problem_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn Django's plain 404 and 405 answers from the API's own URL patterns into problem+json."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return errors.route_not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return errors.method_not_allowed(request, allowed)
        return response

    wrapper.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return wrapper


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012 - read-only class configuration


class MedRegAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Error responses are problem details (RFC 9457): say so in the contract.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    body = content.get("application/json")
                    if body and body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        content[errors.PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _problem_view(pattern.callback)
        # Anything else under /api/v1/ is a problem+json 404, not the site's HTML page.
        urls.append(re_path(r"^.*$", errors.route_not_found, name="not-found"))
        return urls


api = MedRegAPI(
    title="MedReg API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    docs=LocalSwagger(),
    renderer=Utf8JSONRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

api.add_router("/auth", auth.router)
api.add_router("/items", items.router)
api.add_router("/applications", applications.router)
api.add_router("/me", me.router)
api.add_router("/institutions", institutions.router)
api.add_router("/verify", verify.router)
api.add_router("/licence-checks", licence_checks.router)  # licences stream: logged 查验 with 申请事由
api.add_router("/public", public_register.router)
api.add_router("/supervision", supervision_api.router)
api.add_router("/records", records_api.router)  # records stream: archive, assessments, penalties, roster
api.add_router("/", reference.router)
api.add_router("/", people.router)
api.add_router("/", accounts.router)
