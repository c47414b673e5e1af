"""个人端 pages of the records stream: the PDF export of one's own archive (活档).

The archive page itself (``/portal/me/archive/``) shows the timeline through the
``{% archive_timeline %}`` tag (``medreg/portals/templatetags/records_archive.py``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from medreg.core.errors import NotFound
from medreg.people import archive as archive_selectors
from medreg.people import records
from medreg.portals.views import portal_required


@portal_required("individual")
@require_GET
def archive_pdf(request: HttpRequest) -> HttpResponse:
    """Download one's own archive as PDF (audited)."""
    try:
        access = archive_selectors.archive_access(
            request.user, getattr(request.user, "person_id", None), capacity="self"
        )
    except NotFound as exc:
        raise Http404 from exc
    content = archive_selectors.archive_pdf(access)
    records.record_archive_export(access.person, acting_user=request.user, fmt="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-archive.pdf"'
    return response


urlpatterns = [
    path("archive.pdf", archive_pdf, name="archive_pdf"),
]
