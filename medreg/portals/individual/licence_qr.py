"""The holder's side of the e-licence (licences stream): the dynamic 30-second QR (亮证) and the PDF.

The dynamic code is a short-lived COSE-signed token of the licence (``exp`` = now + DYNAMIC_QR_SECONDS and
a random ``cti``), refreshed by the page every 30 seconds; any verifier checks it like the static QR and
asks the registry for the current status. Only the holder's own licences are served (others: 404).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from medreg.core.conf import conf
from medreg.licences import cose, services
from medreg.licences.choices import LicenceStatus
from medreg.licences.models import ELicence
from medreg.licences.pdf import render_pdf
from medreg.portals.views import portal_required


def _own_licence(request: HttpRequest, pk: int, *, current_only: bool = True) -> ELicence:
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    qs = ELicence.objects.for_user(request.user, "view", via="person").filter(person=person, pk=pk)
    if current_only:
        qs = qs.filter(status=LicenceStatus.VALID)
    lic = qs.select_related("authority").first()
    if lic is None:
        raise Http404
    return lic


def _payload(lic: ELicence) -> dict[str, object]:
    text, exp = services.dynamic_qr(lic)
    title = gettext("%(name)s的动态电子证照二维码") % {"name": lic.holder_name}
    return {"qr": text, "svg": cose.render_qr_svg(text, scale=5, title=title), "expires_at": exp.isoformat(),
            "refresh_seconds": int(conf("DYNAMIC_QR_SECONDS"))}


@portal_required("individual")
@require_GET
def dynamic(request: HttpRequest, pk: int) -> HttpResponse:
    """亮证: a QR that changes every 30 seconds, so a screenshot cannot be passed off later."""
    lic = _own_licence(request, pk)
    response = render(request, "licences/dynamic_qr.html", {"lic": lic, "initial": _payload(lic)})
    add_never_cache_headers(response)
    return response


@portal_required("individual")
@require_GET
def dynamic_json(request: HttpRequest, pk: int) -> JsonResponse:
    response = JsonResponse(_payload(_own_licence(request, pk)))
    add_never_cache_headers(response)
    return response


@portal_required("individual")
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The licence's PDF rendition (font, QR, seal, identifier)."""
    lic = _own_licence(request, pk, current_only=False)
    response = HttpResponse(render_pdf(lic), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="elicence-{lic.licence_no}-v{lic.version}.pdf"'
    add_never_cache_headers(response)
    return response
