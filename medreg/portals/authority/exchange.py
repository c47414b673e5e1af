"""管理端 pages of the exchange stream: the partner delivery log (what was sent to whom, when, with
what answer), the subscriptions of the jurisdiction (create, pause/resume, replay their dead letters), and
replay of single dead letters.

Authority administrators only (others get 404). Lists read through ``for_user(..., via="authority")``;
every POST calls a service of :mod:`medreg.exchange.services`, which checks the jurisdiction again and
audits (404 outside it; a new subscription outside it is refused with 403 and shown on the form).
The signing secret of a new subscription is shown once, in the answer to the POST that created it, and
never stored anywhere a page could read it again.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medreg.accounts.choices import Role
from medreg.accounts.models import Authority
from medreg.core.errors import DomainError, ErrorItem, NotFound
from medreg.core.scoping import scope_info
from medreg.exchange import selectors
from medreg.exchange import services as exchange
from medreg.exchange.choices import DeliveryStatus, PartnerKind, Topic
from medreg.exchange.models import Subscription
from medreg.institutions.models import Institution
from medreg.portals.authority.views import _render, admin_page
from medreg.portals.views import render_domain_error

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


# -- subscriptions -------------------------------------------------------------------------------------
SUBSCRIPTION_FIELDS = ("name", "kind", "url", "topics", "event_types", "division_prefix", "institution")


def subscription_values(request: HttpRequest) -> dict[str, Any]:
    """The subscription form as posted (also used by the institution portal's employer form)."""
    post = request.POST
    return {
        "name": post.get("name", "").strip(), "kind": post.get("kind", "").strip(),
        "url": post.get("url", "").strip(), "topics": post.getlist("topics"),
        "event_types": post.get("event_types", "").strip(),
        "division_prefix": post.get("division_prefix", "").strip(),
        "institution": post.get("institution", "").strip(),
    }


def event_type_list(raw: str) -> list[str]:
    """Event types typed one per line or separated by commas, 、 or spaces → a list without repeats."""
    return list(dict.fromkeys(t for t in re.split(r"[\s,，、;；]+", raw or "") if t))


def topic_options() -> list[tuple[str, Any]]:
    return [(t.value, t.label) for t in Topic]


def set_active_from_post(request: HttpRequest, sub: Subscription) -> None:
    """Pause (``active=0``) or resume (``active=1``) ``sub`` through the service (which re-checks who may),
    and say so; 404 when the service does not let the user see it."""
    active = request.POST.get("active") == "1"
    try:
        exchange.set_subscription_active(sub.pk, active, acting_user=request.user)
    except NotFound as exc:
        raise Http404 from exc
    if active:
        messages.success(request, _t("已恢复订阅“%(name)s”，待投递的事件将继续发送。") % {"name": sub.name})
    else:
        messages.success(request, _t("已暂停订阅“%(name)s”，恢复前不会向其投递。") % {"name": sub.name})


def secret_response(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The page that shows a new subscription's signing secret, once; browsers and proxies keep no copy."""
    response = render(request, "exchange/subscription_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _administered(user: Any) -> QuerySet[Subscription]:
    """Subscriptions of the admin's jurisdiction, with their dead-letter and pending counts."""
    return Subscription.objects.for_user(user, "view", via="authority").select_related("institution").annotate(
        dead=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
    ).order_by("name", "pk")


def _own_prefixes(user: Any) -> list[str]:
    """Division prefixes of the authorities the user administers ("" for a national one)."""
    ids = {a for r, a, _i in scope_info(user).roles if r == Role.AUTHORITY_ADMIN and a}
    return sorted({a.division_prefix for a in Authority.objects.filter(pk__in=ids).select_related("division")})


def _subscription_form(request: HttpRequest, *, values: dict[str, Any] | None = None,
                       errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    prefixes = _own_prefixes(request.user)
    if values is None:
        values = {"kind": "", "topics": [], "division_prefix": prefixes[0] if prefixes else ""}
    return _render(request, "exchange/subscription_form.html", {
        "section": "subscriptions", "values": values, "errors": errors or {},
        "kinds": list(PartnerKind.choices), "topics": topic_options(),
        "prefixes": "、".join(p or _t("全国") for p in prefixes),
    }, status=status)


def _find_institution(user: Any, code: str) -> Institution | None:
    """An institution of the admin's jurisdiction by USCC or 登记号 (nothing outside it is found)."""
    code = code.strip().upper()
    if not code:
        return None
    return Institution.objects.for_user(user, "view", via="authority").filter(
        Q(uscc__iexact=code) | Q(registration_no__iexact=code)).first()


@require_GET
@admin_page
def subscriptions(request: HttpRequest) -> HttpResponse:
    """The jurisdiction's subscriptions with pause/resume and "replay all dead letters" buttons."""
    subs = list(_administered(request.user))
    return _render(request, "exchange/subscriptions.html", {"section": "subscriptions", "subscriptions": subs})


@require_http_methods(["GET", "POST"])
@admin_page
def subscription_new(request: HttpRequest) -> HttpResponse:
    """Create a subscription through :func:`medreg.exchange.services.create_subscription`; on success the
    answer shows the signing secret (once)."""
    if request.method == "GET":
        return _subscription_form(request)
    values = subscription_values(request)
    employer = values["kind"] == PartnerKind.EMPLOYER
    try:
        institution = _find_institution(request.user, values["institution"]) if employer else None
        if employer and values["institution"] and institution is None:
            raise DomainError(errors=[ErrorItem(
                "institution_not_found", _("本辖区内没有该统一社会信用代码或登记号的医疗机构"), field="institution")])
        sub, secret = exchange.create_subscription(
            name=values["name"], kind=values["kind"], url=values["url"], topics=values["topics"],
            event_types=event_type_list(values["event_types"]),
            division_prefix="" if employer else values["division_prefix"],
            institution=institution, acting_user=request.user,
        )
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=SUBSCRIPTION_FIELDS)
        return _subscription_form(request, values=values, errors=errors, status=exc.status_code)
    return secret_response(request, {
        "section": "subscriptions", "is_authority_admin": True, "subscription": sub, "secret": secret,
        "nav_template": "portals/authority/_nav.html", "back_url": reverse(f"{NS}:exchange_subscriptions"),
    })


@require_POST
@admin_page
def subscription_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause (``active=0``) or resume (``active=1``) a subscription of the jurisdiction."""
    sub = get_object_or_404(Subscription.objects.for_user(request.user, "view", via="authority"), pk=pk)
    set_active_from_post(request, sub)
    return redirect(f"{NS}:exchange_subscriptions")


@require_POST
@admin_page
def subscription_replay(request: HttpRequest, pk: int) -> HttpResponse:
    """Put every dead letter of one subscription back in the queue (each replay audited)."""
    sub = get_object_or_404(Subscription.objects.for_user(request.user, "view", via="authority"), pk=pk)
    try:
        count = exchange.replay_dead_letters(acting_user=request.user, subscription_id=sub.pk)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        for message in exc.messages():
            messages.error(request, message)
        return redirect(f"{NS}:exchange_subscriptions")
    if count:
        messages.success(request, _t("已将%(count)s条死信重新排队投递。") % {"count": count})
    else:
        messages.info(request, _t("该订阅方没有死信。"))
    return redirect(f"{NS}:exchange_subscriptions")


urlpatterns = [
    path("exchange/", deliveries, name="exchange_deliveries"),
    path("exchange/deliveries/<int:pk>/replay/", replay, name="exchange_replay"),
    path("exchange/subscriptions/", subscriptions, name="exchange_subscriptions"),
    path("exchange/subscriptions/new/", subscription_new, name="exchange_subscription_new"),
    path("exchange/subscriptions/<int:pk>/active/", subscription_active, name="exchange_subscription_active"),
    path("exchange/subscriptions/<int:pk>/replay-dead/", subscription_replay, name="exchange_subscription_replay"),
]
