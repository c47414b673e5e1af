"""The public register pages and the applicant status query.

``/public/`` (physicians and nurses by 姓名 + 省份, optionally 执业机构), ``/public/institutions/``
(by name or alias, USCC or 登记号), the two detail pages and ``/public/status/``. An explicit exemption
from ``for_user`` scoping: these pages read only through :mod:`medreg.public.selectors` and
:mod:`medreg.public.status`, which apply the publication policy. Every query is throttled per client
address with a 429 page and ``Retry-After``; pages show no result totals; nothing looks people up by ID
number.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from medreg.core.errors import DomainError
from medreg.people.choices import Profession
from medreg.public import selectors, throttle
from medreg.public import status as status_query


def throttled(request: HttpRequest, scope: str, rate_key: str = "PUBLIC_SEARCH_RATE") -> HttpResponse | None:
    """``None`` when the client may go on; otherwise the 429 page with ``Retry-After``."""
    decision = throttle.hit(request, scope, settings.MEDREG.get(rate_key) or settings.MEDREG["PUBLIC_SEARCH_RATE"])
    if decision.allowed:
        return None
    response = render(request, "public/throttled.html", {"retry_after": decision.retry_after}, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def _cursor_error(errors: dict[str, list[str]], exc: DomainError) -> None:
    errors.setdefault("cursor", []).extend(item.render() for item in exc.errors)


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """公开查询: physicians or nurses by 姓名 + 省份 (required) and optionally 执业机构."""
    values = {
        "name": (request.GET.get("name") or "").strip()[:30],
        "province": (request.GET.get("province") or "").strip()[:6],
        "institution": (request.GET.get("institution") or "").strip()[:60],
        "profession": request.GET.get("profession") or Profession.PHYSICIAN,
    }
    if values["profession"] not in Profession.values:
        values["profession"] = Profession.PHYSICIAN
    searched = any(k in request.GET for k in ("name", "province", "institution"))
    errors: dict[str, list[str]] = {}
    results = None
    next_cursor = None
    provinces = selectors.province_options()
    if searched:
        limited = throttled(request, "public-register")
        if limited is not None:
            return limited
        if not values["name"]:
            errors["name"] = [gettext("请输入姓名。")]
        if values["province"] not in {code for code, _name in provinces}:
            errors["province"] = [gettext("请选择省份。")]
        if not errors:
            try:
                results, next_cursor = selectors.search_practitioners(
                    name=values["name"], province_code=values["province"], institution=values["institution"],
                    profession=values["profession"], cursor=request.GET.get("cursor"),
                )
            except DomainError as exc:
                _cursor_error(errors, exc)
    return render(
        request,
        "public/register.html",
        {
            "values": values,
            "form_errors": errors,
            "results": results,
            "next_cursor": next_cursor,
            "provinces": provinces,
            "profession_options": [(p.value, p.label) for p in Profession],
        },
        status=400 if errors else 200,
    )


@require_GET
def institutions(request: HttpRequest) -> HttpResponse:
    """Institutions by name or alias (substring, fuzzy on PostgreSQL), USCC or 登记号; province optional."""
    values = {
        "q": " ".join((request.GET.get("q") or "").split())[:60],
        "province": (request.GET.get("province") or "").strip()[:6],
    }
    provinces = selectors.province_options()
    errors: dict[str, list[str]] = {}
    results = None
    next_cursor = None
    if "q" in request.GET:
        limited = throttled(request, "public-institutions")
        if limited is not None:
            return limited
        if len(values["q"]) < 2:
            errors["q"] = [gettext("请至少输入两个字的机构名称，或统一社会信用代码、登记号。")]
        if values["province"] and values["province"] not in {code for code, _name in provinces}:
            errors["province"] = [gettext("请选择省份。")]
        if not errors:
            try:
                results, next_cursor = selectors.search_institutions(
                    q=values["q"], province_code=values["province"], cursor=request.GET.get("cursor")
                )
            except DomainError as exc:
                _cursor_error(errors, exc)
    return render(
        request,
        "public/institutions.html",
        {"values": values, "form_errors": errors, "results": results, "next_cursor": next_cursor,
         "provinces": provinces},
        status=400 if errors else 200,
    )


@require_GET
def practitioner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    limited = throttled(request, "public-detail")
    if limited is not None:
        return limited
    record = selectors.practitioner_detail(pk)
    if record is None:
        raise Http404
    return render(request, "public/practitioner_detail.html", {"r": record})


@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    limited = throttled(request, "public-detail")
    if limited is not None:
        return limited
    record = selectors.institution_detail(pk)
    if record is None:
        raise Http404
    return render(request, "public/institution_detail.html", {"r": record})


@require_http_methods(["GET", "POST"])
def application_status(request: HttpRequest) -> HttpResponse:
    """办理状态查询 by 申请编号 + 申请人姓名 (POST, so neither ends up in URLs and access logs)."""
    values = {"number": "", "name": ""}
    errors: dict[str, list[str]] = {}
    result: Any = None
    checked = request.method == "POST"
    if checked:
        limited = throttled(request, "public-status", "PUBLIC_STATUS_RATE")
        if limited is not None:
            return limited
        values = {
            "number": (request.POST.get("number") or "").strip()[:24],
            "name": (request.POST.get("name") or "").strip()[:120],
        }
        if not values["number"]:
            errors["number"] = [gettext("请输入申请编号。")]
        if not values["name"]:
            errors["name"] = [gettext("请输入申请人姓名或机构名称。")]
        if not errors:
            result = status_query.find(values["number"], values["name"], user=request.user)
    return render(
        request,
        "public/status.html",
        {"values": values, "form_errors": errors, "result": result, "checked": checked and not errors},
        status=400 if errors else 200,
    )
