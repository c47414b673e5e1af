"""API authentication: bearer tokens for partner systems, the Django session (with CSRF) for browsers,
and the rate limits of the public endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle
from ninja.utils import check_csrf

from medreg.accounts import services as accounts
from medreg.core.errors import PermissionDenied

if TYPE_CHECKING:
    from medreg.accounts.models import User


def caller(request: HttpRequest) -> User:
    """The user an authenticated operation runs as (set by :class:`TokenAuth` or the session)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` issued by ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = (token or "").strip()
        if not token:
            return None
        user = accounts.user_for_token(token)
        if user is not None:
            request.user = user
        return user


class CsrfFailed(PermissionDenied):
    pass


class BrowserSessionAuth(SessionAuth):
    """The portal's login session. CSRF is checked on unsafe methods, but only when the session is what
    authenticates the request: an anonymous call, or one that brings a token, is not a CSRF risk and
    gets a plain 401 instead of a misleading CSRF failure.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed(_("CSRF 校验失败，请刷新页面后重试。"), code="csrf_failed")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - see __call__
        return None


#: Default for every operation; public operations say ``auth=None``.
AUTH = [TokenAuth(), BrowserSessionAuth()]


class PublicRateThrottle(AnonRateThrottle):
    """Per-client-address limit for the public endpoints. The rate is read from ``settings.MEDREG`` at
    request time (``"20/m"`` style), so it is configurable per deployment and in tests.
    """

    def __init__(self, scope: str, *settings_keys: str, default: str = "20/m") -> None:
        self.scope, self.settings_keys, self.default = scope, settings_keys, default
        super().__init__(rate=self._configured())

    def _configured(self) -> str:
        for key in self.settings_keys:
            if settings.MEDREG.get(key):
                return str(settings.MEDREG[key])
        return self.default

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self._configured()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str | None:
        # X-Forwarded-For is trusted only behind a configured number of proxies (NINJA_NUM_PROXIES);
        # otherwise a client could pick a fresh "address" for every request and never be limited.
        if getattr(settings, "NINJA_NUM_PROXIES", None) is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        # Throttle by client address whether or not the caller is signed in: these endpoints are public.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def search_throttle() -> PublicRateThrottle:
    return PublicRateThrottle("medreg_search", "PUBLIC_SEARCH_RATE")


def verify_throttle() -> PublicRateThrottle:
    return PublicRateThrottle("medreg_verify", "PUBLIC_VERIFY_RATE", "PUBLIC_SEARCH_RATE")


def token_throttle() -> PublicRateThrottle:
    # Password guessing through the token endpoint is limited per address, like the login form.
    return PublicRateThrottle("medreg_token", "API_TOKEN_RATE", default="10/m")
