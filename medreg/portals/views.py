"""Shared portal plumbing: who may enter which portal, DomainError → form errors, the portal chooser.

Every portal view uses one of these (views only parse input, call a service and render):

* ``@portal_required("individual"|"institution"|"authority")`` on a function view, or
  ``PortalMixin`` with ``portal = "..."`` on a class-based view: the user must be signed in (else
  redirect to the login page) and hold that portal (else 404: existence of the portal does not leak).
* ``render_domain_error(form_errors, exc)`` turns a :class:`~medreg.core.errors.DomainError` into the
  ``{field: [messages]}`` dict that ``portals/_form_errors.html`` and ``portals/_field.html`` render;
  errors without a (known) field go under ``"__all__"``.
* ``raise_for_scope(exc)`` re-raises 404/403 domain errors as Django's ``Http404``/``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, Literal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from medreg.applications.models import Attachment
from medreg.core.errors import DomainError
from medreg.core.scoping import ScopeInfo, scope_info

Portal = Literal["individual", "institution", "authority"]
NON_FIELD = "__all__"

PORTAL_URLS: dict[str, str] = {
    "individual": "/portal/me/",
    "institution": "/portal/institution/",
    "authority": "/portal/authority/",
}


def portal_access(user: Any) -> dict[str, bool]:
    """Which portals ``user`` may enter (the same dict the ``portal_access`` template variable holds)."""
    info = scope_info(user)
    return {
        "authority": bool(info.authority_ids) or info.national,
        "institution": bool(info.institution_ids),
        "individual": info.person_id is not None,
    }


def has_portal(user: Any, portal: str) -> bool:
    return portal_access(user).get(portal, False)


def portal_required(portal: Portal) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator: signed in (else to the login page) and allowed into ``portal`` (else 404)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_portal(request.user, portal):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class PortalMixin:
    """Class-based-view version of :func:`portal_required`. Set ``portal`` on the subclass."""

    portal: Portal

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_portal(request.user, self.portal):
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    @property
    def scope(self) -> ScopeInfo:
        return scope_info(self.request.user)  # type: ignore[attr-defined]


def render_domain_error(
    form_errors: dict[str, list[str]] | None,
    exc: DomainError,
    *,
    fields: Iterable[str] | None = None,
    field_map: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Add the messages of ``exc`` to ``form_errors`` (created if ``None``) and return it.

    ``field_map`` renames service field names to form field names (e.g. ``{"file": "photo"}``);
    when ``fields`` is given, errors on any other field are shown as non-field errors (``"__all__"``)
    so no message is ever lost.
    """
    out = form_errors if form_errors is not None else {}
    known = set(fields) if fields is not None else None
    for item in exc.errors:
        name = item.field or NON_FIELD
        if field_map and name in field_map:
            name = field_map[name]
        if known is not None and name not in known:
            name = NON_FIELD
        message = item.render()
        bucket = out.setdefault(name, [])
        if message not in bucket:
            bucket.append(message)
    return out


def raise_for_scope(exc: DomainError) -> None:
    """A 404 domain error becomes ``Http404``, a 403 one ``PermissionDenied``; others return."""
    if exc.status_code == 404:
        raise Http404(str(exc))
    if exc.status_code == 403:
        raise DjangoPermissionDenied(str(exc))


def portal_chooser(request: HttpRequest) -> HttpResponse:
    """``/portal/``: straight into the one portal the user has, or a list when there are several."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    access = portal_access(request.user)
    allowed = [p for p in ("authority", "institution", "individual") if access[p]]
    if len(allowed) == 1:
        return redirect(PORTAL_URLS[allowed[0]])
    return render(request, "portals/chooser.html", {"allowed": allowed, "portal_urls": PORTAL_URLS})


def attachment_response(att: Attachment) -> FileResponse:
    """Stream an uploaded material. Images open inline; anything else downloads.

    The file's type was checked by content at upload; the sandbox CSP keeps a crafted file from
    running script in our origin even so.
    """
    inline = att.content_type in ("image/jpeg", "image/png")
    response = FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=not inline, filename=att.original_name
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
