"""The public site: home, the service guide (办事指南) and licence verification (the register: register_views).

An explicit exemption from ``for_user`` scoping: these pages read only through ``public.selectors``
(allow-listed fields) and ``licences.services.verify_qr``. Searches and verifications are throttled
per client IP (``settings.MEDREG["PUBLIC_SEARCH_RATE"]``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from medreg.applications.items import all_items, get_item
from medreg.core.errors import DomainError
from medreg.licences import services as licences
from medreg.licences.keys import trust_anchor
from medreg.public import throttle

QR_MAX_CHARS = 8192


def _throttled(request: HttpRequest, scope: str) -> HttpResponse | None:
    rate = settings.MEDREG["PUBLIC_VERIFY_RATE" if scope == "verify" else "PUBLIC_SEARCH_RATE"]
    decision = throttle.hit(request, scope, rate)
    if decision.allowed:
        return None
    response = render(request, "public/throttled.html", {"retry_after": decision.retry_after}, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"items": all_items()})


def _item_view(item: Any) -> dict[str, Any]:
    return {
        "item": item,
        "review_chain": [stage.label for stage in item.review_chain],
        "subject": item.subject.label,
        "applicant": gettext("医师/护士本人") if item.applicant == "individual" else gettext("医疗机构"),
    }


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    return render(request, "public/guide_list.html", {"items": [_item_view(i) for i in all_items()]})


@require_GET
def guide_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = get_item(code)
    except DomainError:
        raise Http404 from None
    limit = settings.MEDREG["UPLOAD_MAX_BYTES"]
    materials = [
        {
            "label": a.kind.label,
            "required": a.required,
            "help": a.help_text,
            "types": "JPEG、PNG" if a.images_only else "PDF、JPEG、PNG",
        }
        for a in item.attachments
    ]
    return render(
        request,
        "public/guide_detail.html",
        {
            **_item_view(item),
            "materials": materials,
            "max_mb": round(limit / 1024 / 1024, 1),
        },
    )


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """证照核验: paste (or open via ``?qr=``) the QR payload ``HL1:...``; the verdict is shown prominently."""
    text = (request.GET.get("qr") or "").strip()
    errors: dict[str, list[str]] = {}
    result = None
    if "qr" in request.GET:
        limited = _throttled(request, "verify")
        if limited is not None:
            return limited
        if not text:
            errors["qr"] = [gettext("请粘贴二维码内容（以 HL1: 开头）。")]
        elif len(text) > QR_MAX_CHARS:
            errors["qr"] = [gettext("内容过长，不是有效的电子证照二维码。")]
        else:
            try:
                result = licences.verify_qr(text)
            except DomainError as exc:
                for item in exc.errors:
                    errors.setdefault("qr", []).append(item.render())
    return render(
        request,
        "public/verify.html",
        {
            "qr": text,
            "form_errors": errors,
            "result": result,
            "checked": "qr" in request.GET,
            "anchor": trust_anchor(),  # the trust-list key the offline verifier script pins (licences stream)
        },
    )
