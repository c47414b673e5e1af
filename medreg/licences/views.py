"""Public, cacheable endpoints that verifiers use: status lists, the signed trust list, one licence's
online status; and the signed-in 查验 (logged check with a reason)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from medreg.accounts.models import Authority, User
from medreg.core.errors import DomainError
from medreg.licences import keys, services
from medreg.licences import status_list as sl
from medreg.licences.status_list import TTL_SECONDS


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return any(t.strip() in (etag, f"W/{etag}", "*") for t in header.split(",") if t.strip())


@require_GET
def status_list(request: HttpRequest, authority_id: int) -> HttpResponse:
    """``application/statuslist+cwt``: the signed status list of one issuing authority (stable URL,
    ETag / If-None-Match, regenerated on demand after any status change and at least every minute)."""
    authority = Authority.objects.filter(pk=authority_id, is_active=True).first()
    if authority is None:
        raise Http404
    snap = sl.current(authority)
    if snap is None:
        raise Http404
    if _etag_matches(request, snap.etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(snap.body), content_type="application/statuslist+cwt")
    response["ETag"] = snap.etag
    response["Last-Modified"] = snap.generated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["X-Status-List-TTL"] = str(TTL_SECONDS)
    patch_cache_control(response, public=True, max_age=sl.MAX_AGE_SECONDS)
    return response


TRUST_LIST_CACHE_SECONDS = 60


def _trust_list() -> tuple[bytes, dict[str, Any], str]:
    cached = cache.get("licences:trust-list")
    if cached is None:
        import hashlib

        signed, body = keys.build_trust_list()
        etag = '"' + hashlib.sha256(signed).hexdigest()[:32] + '"'
        cached = (signed, body, etag)
        cache.set("licences:trust-list", cached, TRUST_LIST_CACHE_SECONDS)
    return cached


@require_GET
def signed_trust_list(request: HttpRequest) -> HttpResponse:
    """``/.well-known/medreg/trust-list``: every public key a verifier may accept, signed.

    JSON by default (the keys, validity, the signer's kid and key, and ``cose``: the hex of the signed
    COSE_Sign1 a verifier checks); ``Accept: application/cose`` or ``?format=cose`` gives the raw COSE.
    """
    signed, body, etag = _trust_list()
    if _etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    elif request.GET.get("format") == "cose" or "application/cose" in request.headers.get("Accept", ""):
        response = HttpResponse(signed, content_type="application/cose; cose-type=\"cose-sign1\"")
    else:
        response = JsonResponse(body)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=TRUST_LIST_CACHE_SECONDS)
    return response


@require_GET
def trust_list(request: HttpRequest) -> JsonResponse:
    """The earlier unsigned JSON form (kid, issuer, validity, SubjectPublicKeyInfo in PEM)."""
    out = []
    for k in keys.trusted_keys():
        out.append({
            "kid": k.kid, "alg": k.algorithm, "issuer": k.authority.name if k.authority else "",
            "issuer_uscc": k.authority.uscc if k.authority else "", "not_before": k.not_before.isoformat(),
            "not_after": k.not_after.isoformat(), "spki_pem": k.public_key_pem,
        })
    response = JsonResponse({"keys": out})
    patch_cache_control(response, public=True, max_age=TRUST_LIST_CACHE_SECONDS)
    return response


def _problem(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"title": exc.messages()[0], "status": exc.status_code, "code": exc.code,
         "errors": [{"code": e.code, "field": e.field, "message": e.render()} for e in exc.errors]},
        status=exc.status_code, content_type="application/problem+json",
    )


@require_GET
def licence_status(request: HttpRequest, identifier: str) -> JsonResponse:
    """Online status of one licence version by its 电子证照标识 (public fields only)."""
    try:
        result = services.licence_status(identifier)
    except DomainError as exc:
        return _problem(exc)
    response = JsonResponse(result.as_dict())
    patch_cache_control(response, no_cache=True)
    return response


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required let only signed-in users through
    return user


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """依职能查验: a signed-in verifier checks a licence (QR text or 电子证照标识) and gives the reason.

    HTML form for the portal; JSON when the request body is JSON (``{"qr"|"identifier", "reason",
    "item_code"}``).
    """
    is_json = request.content_type == "application/json"
    result = None
    errors: dict[str | None, list[str]] = {}
    data: dict[str, Any] = {}
    if request.method == "POST":
        if is_json:
            try:
                data = json.loads(request.body or b"{}")
            except ValueError:
                data = {}
        else:
            data = request.POST.dict()
        try:
            result = services.check_licence(
                acting_user=_user(request), reason=str(data.get("reason", "")), qr=str(data.get("qr", "")),
                identifier=str(data.get("identifier", "")), item_code=str(data.get("item_code", "")),
            )
        except DomainError as exc:
            if is_json:
                return _problem(exc)
            errors = exc.field_errors()
        if is_json and result is not None:
            return JsonResponse(result.as_dict())
    return render(request, "licences/check.html", {"result": result, "form_errors": errors, "data": data})
