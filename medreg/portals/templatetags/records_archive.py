"""``{% archive_timeline person %}``: the 活档 timeline section on the individual portal's archive page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from medreg.core.errors import NotFound

register = template.Library()


@register.inclusion_tag("portals/records/_timeline.html", takes_context=True)
def archive_timeline(context: dict[str, Any], person: Any) -> dict[str, Any]:
    from medreg.people import archive

    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        access = archive.archive_access(user, getattr(person, "pk", None), capacity="self")
    except NotFound:
        return {"entries": [], "categories": {}}
    return {**archive.archive_data(access), "pdf_url": reverse("portals:individual:archive_pdf")}
