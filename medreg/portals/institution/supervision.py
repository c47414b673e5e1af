"""机构端: the practitioner–institution graph and the registration warnings of the current institution."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from medreg.portals.institution.views import _base, _current, institution_page
from medreg.supervision import selectors


@require_GET
@institution_page
def warnings(request: HttpRequest) -> HttpResponse:
    """诊疗科目 against the 执业范围 of the physicians registered here, and the warnings raised when the
    institution was suspended, cancelled or put on 暂缓校验."""
    current = _current(request)
    inst = current.institution
    return render(request, "supervision/institution_portal.html", _base(
        current, "supervision", report=selectors.graph_report(inst),
        warnings=list(selectors.warnings_for_institution(inst, request.user, via="institution")),
    ))
