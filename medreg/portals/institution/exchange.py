"""机构端 · 人员变动提醒: the institution's own employer subscriptions (Nursys e-Notify-style alerts about
its staff: registrations, changes, cancellations, penalties, licence status), pushed as signed webhooks to
an address the institution runs.

Institution administrators of the current institution only (everyone else gets 404). Only employer
subscriptions of the current institution are listed; creating and pausing go through
:func:`medreg.exchange.services.create_subscription` and :func:`~medreg.exchange.services.set_subscription_active`,
which check again that the user administers that institution and audit.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from medreg.core.errors import DomainError
from medreg.exchange import services as exchange
from medreg.exchange.choices import PartnerKind
from medreg.exchange.models import Subscription
from medreg.portals.authority.exchange import (
    event_type_list,
    secret_response,
    set_active_from_post,
    subscription_values,
    topic_options,
)
from medreg.portals.institution.views import Current, _base, _current, _url, institution_page
from medreg.portals.views import render_domain_error

FIELDS = ("name", "url", "topics", "event_types")


def _admin_current(request: HttpRequest) -> Current:
    current = _current(request)
    if not current.is_admin:
        raise Http404
    return current


def _own(request: HttpRequest, current: Current) -> Any:
    return (
        Subscription.objects.for_user(request.user, "view", via="institution")
        .filter(institution=current.institution, kind=PartnerKind.EMPLOYER)
        .order_by("name", "pk")
    )


def _page(
    request: HttpRequest,
    current: Current,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    subs = list(_own(request, current))
    return render(
        request,
        "exchange/institution_subscriptions.html",
        _base(
            current,
            "subscriptions",
            subscriptions=subs,
            values=values or {"topics": []},
            errors=errors or {},
            topics=topic_options(),
        ),
        status=status,
    )


@require_GET
@institution_page
def subscriptions(request: HttpRequest) -> HttpResponse:
    return _page(request, _admin_current(request))


@require_POST
@institution_page
def subscription_new(request: HttpRequest) -> HttpResponse:
    """Subscribe the institution's own endpoint; the answer shows the signing secret once."""
    current = _admin_current(request)
    values = subscription_values(request)
    try:
        sub, secret = exchange.create_subscription(
            name=values["name"],
            kind=PartnerKind.EMPLOYER,
            url=values["url"],
            topics=values["topics"],
            event_types=event_type_list(values["event_types"]),
            institution=current.institution,
            acting_user=request.user,
        )
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=FIELDS)
        return _page(request, current, values=values, errors=errors, status=exc.status_code)
    return secret_response(
        request,
        _base(
            current,
            "subscriptions",
            subscription=sub,
            secret=secret,
            nav_template="portals/institution/_nav.html",
            back_url=_url("subscriptions", current),
        ),
    )


@require_POST
@institution_page
def subscription_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause (``active=0``) or resume (``active=1``) one of the institution's subscriptions."""
    current = _admin_current(request)
    sub = get_object_or_404(_own(request, current), pk=pk)
    set_active_from_post(request, sub)
    return redirect(_url("subscriptions", current))


urlpatterns = [
    path("subscriptions/", subscriptions, name="subscriptions"),
    path("subscriptions/new/", subscription_new, name="subscription_new"),
    path("subscriptions/<int:pk>/active/", subscription_active, name="subscription_active"),
]
