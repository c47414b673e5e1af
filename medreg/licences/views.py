"""Public, cacheable endpoints that offline verifiers use: status lists and the trust list."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from medreg.accounts.models import Authority
from medreg.licences.models import SigningKey
from medreg.licences.services import STATUS_LIST_SIZE, _status_uri
from medreg.licences.status_list import TTL_SECONDS, signed_status_list


@require_GET
@cache_control(public=True, max_age=300)
def status_list(request: HttpRequest, authority_id: int) -> HttpResponse:
    """``application/statuslist+cwt``: the signed status list of one issuing authority."""
    authority = Authority.objects.filter(pk=authority_id, is_active=True).first()
    if authority is None:
        raise Http404
    body = signed_status_list(authority, uri=_status_uri(authority), size=STATUS_LIST_SIZE)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="application/statuslist+cwt")
    response["X-Status-List-TTL"] = str(TTL_SECONDS)
    return response


@require_GET
@cache_control(public=True, max_age=300)
def trust_list(request: HttpRequest) -> JsonResponse:
    """The public keys verifiers may accept (kid, issuer, validity, SubjectPublicKeyInfo in PEM)."""
    keys = SigningKey.objects.select_related("authority").filter(is_active=True, withdrawn_at__isnull=True)
    out = []
    for k in keys.order_by("authority_id", "not_before"):
        pem = serialization.load_pem_public_key(k.public_key_pem.encode()).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        out.append({
            "kid": k.kid, "alg": k.algorithm, "issuer": k.authority.name, "issuer_uscc": k.authority.uscc,
            "not_before": k.not_before.isoformat(), "not_after": k.not_after.isoformat(), "spki_pem": pem.decode(),
        })
    return JsonResponse({"keys": out})
