"""Every API error as ``application/problem+json`` (RFC 9457), in the request's language.

The body is::

    {"type": "urn:medreg:error:<code>" | "about:blank", "title": ..., "status": ..., "detail": ...,
     "code": ..., "errors": [ErrorItem.as_dict(), ...]}

Each item carries ``message`` (the request's language) and both ``message_zh`` and ``message_en``.
Service errors (:class:`~medreg.core.errors.DomainError`) keep their status code; schema errors from
django-ninja become 422 with field paths; authentication, throttling, unknown routes and wrong methods
are mapped here too, so a client only ever has one error shape to parse.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("medreg.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
URN_PREFIX = "urn:medreg:error:"

TITLES: dict[int, Any] = {
    400: _("请求无法处理"),
    401: _("需要身份认证"),
    403: _("没有权限"),
    404: _("未找到"),
    405: _("不支持该请求方法"),
    409: _("状态冲突"),
    413: _("请求内容过大"),
    422: _("请求参数有误"),
    429: _("请求过于频繁"),
    500: _("服务器内部错误"),
}


class Unauthorized(DomainError):
    """No valid credentials (missing or expired token, wrong password)."""

    status_code = 401


class TooManyRequests(DomainError):
    status_code = 429


# Chinese messages for the schema errors pydantic reports (its own messages are English only).
_SCHEMA_MESSAGES: dict[str, Any] = {
    "missing": _("此项为必填项。"),
    "extra_forbidden": _("不允许的字段。"),
    "string_type": _("请填写文本。"),
    "string_too_short": _("内容太短。"),
    "string_too_long": _("最多%(max_length)s个字符。"),
    "int_type": _("请填写整数。"),
    "int_parsing": _("请填写整数。"),
    "int_from_float": _("请填写整数。"),
    "bool_type": _("请填写 true 或 false。"),
    "bool_parsing": _("请填写 true 或 false。"),
    "list_type": _("请提供列表。"),
    "dict_type": _("请提供对象。"),
    "model_type": _("请提供对象。"),
    "model_attributes_type": _("请提供对象。"),
    "literal_error": _("取值无效，可选：%(expected)s。"),
    "enum": _("取值无效，可选：%(expected)s。"),
    "greater_than": _("必须大于%(gt)s。"),
    "greater_than_equal": _("不能小于%(ge)s。"),
    "less_than": _("必须小于%(lt)s。"),
    "less_than_equal": _("不能大于%(le)s。"),
    "too_long": _("最多%(max_length)s项。"),
    "json_invalid": _("请求体不是有效的 JSON。"),
    "json_type": _("请求体不是有效的 JSON。"),
}
_SCHEMA_FALLBACK = _("取值无效。")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def problem(
    request: HttpRequest | None,
    status: int,
    errors: Iterable[ErrorItem],
    *,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Render a problem+json response from error items (at least one)."""
    items = [e.as_dict() for e in errors]
    code = items[0]["code"] if items else "error"
    language = translation.get_language() or "zh-hans"
    separator = "; " if language.startswith("en") else "；"
    body = {
        "type": type_ or f"{URN_PREFIX}{code}",
        "title": str(TITLES.get(status, TITLES[400 if status < 500 else 500])),
        "status": status,
        "detail": separator.join(i["message"] for i in items),
        "code": code,
        "errors": items,
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_CONTENT_TYPE}; charset=utf-8",
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="medreg"'} if exc.status_code == 401 else None
    return problem(request, exc.status_code, exc.errors, headers=headers)


# -- schema errors ------------------------------------------------------------------------------------
def _field_path(loc: Iterable[Any], single_body: bool) -> str:
    """``("body", "payload", "data", 0)`` -> ``"data.0"``; ``("query", "limit")`` -> ``"limit"``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        source = parts.pop(0)
        if source == "body" and single_body and parts:
            parts.pop(0)  # the handler's parameter name says nothing to the client
    return ".".join(parts) or "body"


def schema_error_items(errors: list[dict[str, Any]]) -> list[ErrorItem]:
    """Translate django-ninja's error dicts into error items with a field path and both languages."""
    body_params = {str(e["loc"][1]) for e in errors if len(e.get("loc", ())) > 1 and e["loc"][0] == "body"}
    items = []
    for e in errors:
        kind = str(e.get("type", "invalid"))
        ctx = dict(e.get("ctx") or {})
        message = _SCHEMA_MESSAGES.get(kind, _SCHEMA_FALLBACK)
        wanted = set(_PLACEHOLDER.findall(str(message)))
        if not wanted <= set(ctx):
            message, wanted = _SCHEMA_FALLBACK, set()
        params = {k: str(ctx[k]) for k in wanted}
        field = _field_path(e.get("loc", ()), single_body=len(body_params) <= 1)
        items.append(ErrorItem(kind, message, field=field, params=params))
    return items


def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(request, 422, schema_error_items(list(exc.errors)))


# -- HTTP-level errors ------------------------------------------------------------------------------------
def not_authenticated() -> Unauthorized:
    return Unauthorized(_("请提供有效的访问令牌（Authorization: Bearer）或先登录。"), code="not_authenticated")


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return domain_error(request, not_authenticated())
    if isinstance(exc, Throttled):
        headers = {"Retry-After": str(max(1, int(exc.wait or 1)))}
        throttled = TooManyRequests(_("请求过于频繁，请稍后再试。"), code="throttled")
        return problem(request, 429, throttled.errors, headers=headers)
    if exc.status_code == 403:
        return domain_error(request, PermissionDenied(_("没有权限执行此操作。"), code="forbidden"))
    if exc.status_code == 404:
        return route_not_found(request)
    if exc.status_code == 400:  # django-ninja could not parse the body
        err = DomainError(_("无法解析请求体，请发送有效的 JSON。"), code="invalid_body", field="body")
        return problem(request, 400, err.errors)
    err = DomainError(_("请求无法处理。"), code=f"http_{exc.status_code}")
    return problem(request, exc.status_code, err.errors)


def route_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    err = NotFound(_("未找到请求的资源。"), code="not_found")
    return problem(request, 404, err.errors, type_="about:blank")


def method_not_allowed(request: HttpRequest, allowed: Iterable[str]) -> HttpResponse:
    methods = ", ".join(sorted(allowed))
    err = DomainError(_("不支持请求方法 %(method)s。"), code="method_not_allowed",
                      params={"method": request.method or ""})
    return problem(request, 405, err.errors, type_="about:blank", headers={"Allow": methods})


def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return route_not_found(request)


def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        err = DomainError(_("请求内容过大。"), code="request_too_large", field="body")
        return problem(request, 413, err.errors)
    return problem(request, 400, DomainError(_("请求无法处理。"), code="bad_request").errors)


def django_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return domain_error(request, PermissionDenied(_("没有权限执行此操作。"), code="forbidden"))


def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The traceback goes to the log (the PII filter scrubs it); the client gets no internals.
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    err = DomainError(_("服务器内部错误，请稍后重试。"), code="server_error")
    return problem(request, 500, err.errors)


def install(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Exception, unexpected),
        (Http404, http404),
        (HttpError, http_error),
        (SuspiciousOperation, suspicious),
        (DjangoPermissionDenied, django_permission_denied),
        (ValidationError, validation_error),
        (DomainError, domain_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
