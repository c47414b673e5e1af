"""管理端 pages of the exchange stream: the partner delivery log (what was sent to whom, when, with
what answer), the subscriptions of the jurisdiction, and replay of dead letters.

Authority administrators only (others get 404). Lists read through ``for_user(..., via="authority")``;
the replay POST is re-checked by :func:`medreg.exchange.services.replay_delivery` (404 outside scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from medreg.core.errors import DomainError, NotFound
from medreg.exchange import selectors
from medreg.exchange import services as exchange
from medreg.exchange.choices import DeliveryStatus
from medreg.exchange.models import Subscription
from medreg.portals.authority.views import _render, admin_page

NS = "portals:authority"


@require_GET
@admin_page
def deliveries(request: HttpRequest) -> HttpResponse:
    """The delivery log of the jurisdiction, newest first, filterable by status."""
    base = selectors.deliveries_for(request.user)
    counts = dict(base.order_by().values_list("status").annotate(n=Count("id")))
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    qs = base.filter(status=status) if status else base
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    tabs = [{"status": "", "label": _t("全部"), "count": sum(counts.values())}] + [
        {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in DeliveryStatus]
    subscriptions = Subscription.objects.for_user(request.user, "view", via="authority").order_by("name")
    return _render(request, "exchange/deliveries.html", {
        "section": "exchange", "page": page, "tabs": tabs, "status": status, "subscriptions": subscriptions,
    })


@require_POST
@admin_page
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        exchange.replay_delivery(pk, acting_user=request.user)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.render())
    else:
        messages.success(request, _t("已重新排队投递。"))
    return redirect(f"{NS}:exchange_deliveries")


urlpatterns = [
    path("exchange/", deliveries, name="exchange_deliveries"),
    path("exchange/deliveries/<int:pk>/replay/", replay, name="exchange_replay"),
]
