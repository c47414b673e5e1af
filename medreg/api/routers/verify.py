"""Public verification of an e-licence QR code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from medreg.api.auth import verify_throttle
from medreg.api.schemas import Problem, VerifyIn, VerifyOut
from medreg.licences.services import verify_qr

router = Router(tags=["public"])


@router.post("", auth=None, throttle=[verify_throttle()],
             response={200: VerifyOut, 400: Problem, 422: Problem, 429: Problem})
def verify_licence(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Check the signature, then the licence's current status. A malformed or forged code is a 400 with
    the reason's code on the field ``qr`` (``qr_prefix``, ``qr_encoding``, ``qr_signature``, ...).
    """
    result = verify_qr(payload.qr)
    facts = result.facts
    return {
        "valid": result.valid,
        "outcome": result.outcome,
        "status": result.status,
        "status_label": result.status_label,
        "message": result.message,
        "checked_at": result.checked_at,
        "issuer": result.issuer,
        "licence": {
            "holder_name": facts.get("holder_name", ""),
            "licence_no": facts.get("licence_no", ""),
            "identifier": facts.get("identifier", ""),
            "kind": facts.get("kind", ""),
            "category": facts.get("category", ""),
            "scopes": list(facts.get("scopes") or []),
            "institution": facts.get("institution", ""),
            "issued_at": facts.get("issued_at"),
            "qr_expires_at": facts.get("qr_expires_at"),
        },
    }
