"""依职能查验 (licences stream): a signed-in verifier checks a licence and states the reason; the check is
logged. Same result as ``POST /api/v1/verify`` plus the record of who checked, when and why."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from medreg.api.auth import caller
from medreg.api.schemas import Problem, StrictIn
from medreg.licences import services as licences

router = Router(tags=["licences"])


class LicenceCheckIn(StrictIn):
    reason: str = Field(description="申请事由: why the licence is checked (recorded)")
    qr: str = Field("", description="the scanned text, starting with HL1:")
    identifier: str = Field("", description="or the 电子证照标识")
    item_code: str = Field("", description="the verifier's service-item code (事项编码), if any")


class LicenceCheckOut(Schema):
    valid: bool
    outcome: str
    status: str
    status_label: str
    message: str
    checked_at: str
    issuer: str
    kid: str
    licence: dict[str, Any]


@router.post("", response={200: LicenceCheckOut, 400: Problem, 401: Problem, 403: Problem, 404: Problem,
                           422: Problem})
def check_licence(request: HttpRequest, payload: LicenceCheckIn) -> dict[str, Any]:
    """Authority and institution accounts only; every call is recorded with its reason."""
    result = licences.check_licence(acting_user=caller(request), reason=payload.reason, qr=payload.qr,
                                    identifier=payload.identifier, item_code=payload.item_code)
    return result.as_dict()
