"""机构端 · 许可证与校验: the institution's licence, its 校验 status and due dates, every 校验 (the
licence's 副本 record) and the 历史沿革. Read-only; everything goes through ``for_user``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from medreg.institutions import selectors
from medreg.licences.models import ELicence
from medreg.portals.institution._shared import code_label
from medreg.portals.institution.views import _base, _current, institution_page


@require_GET
@institution_page
def licence(request: HttpRequest) -> HttpResponse:
    current = _current(request)
    inst = current.institution
    lic = (
        ELicence.objects.filter(institution=inst, kind="institution").order_by("-version").first()
        if inst.registration_no else None
    )
    subjects = [code_label("clinical_subject", c) for c in inst.subjects.values_list("code", flat=True)]
    return render(request, "portals/institution/licence.html", _base(
        current, "licence",
        lic=lic,
        category=code_label("institution_category", inst.category_code),
        economic_type=code_label("economic_type", inst.economic_type),
        management_type=code_label("management_type", inst.management_type),
        subjects=subjects,
        verification=selectors.verification_status(inst, today=timezone.localdate()),
        records=selectors.verification_records(inst),
        history=list(selectors.history(inst, request.user)),
    ))
