"""Sets the audit context for every web request and echoes the request id back."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from medreg.audit.context import audit_context

_RID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        channel = "api" if request.path.startswith("/api/") else "web"
        with audit_context(channel=channel, request_id=supplied if _RID.match(supplied) else None) as rid:
            request.request_id = rid  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            return response
