"""A small fixed-window rate limit per client IP, kept in Django's cache.

Rates are written ``"N/unit"`` with unit ``s``, ``m``, ``h`` or ``d`` (``"20/m"``: twenty per minute).
The client address is ``REMOTE_ADDR``: a deployment behind a reverse proxy must have the proxy set it
(e.g. ``X-Forwarded-For`` rewritten into ``REMOTE_ADDR`` by the WSGI server), never trust the header
here, since anyone can send it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


def parse_rate(text: str) -> Rate:
    """``"20/m"`` -> Rate(20, 60). Raises ``ValueError`` on anything else."""
    count, _, unit = (text or "").strip().partition("/")
    unit = unit.strip().lower()[:1]
    if unit not in UNITS or not count.strip().isdigit() or int(count) < 1:
        raise ValueError(f"bad rate {text!r}: use N/s, N/m, N/h or N/d")
    return Rate(int(count), UNITS[unit])


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def hit(request: HttpRequest, scope: str, rate: str | None = None, *, identity: str | None = None) -> Decision:
    """Count one request from this client for ``scope``; refuse once the window's limit is passed.

    ``identity`` counts by something other than the client address (e.g. the login name tried).
    """
    parsed = parse_rate(rate or settings.MEDREG["PUBLIC_SEARCH_RATE"])
    now = int(time.time())
    window = now // parsed.period
    # The address is hashed so cache keys (and cache dumps) do not hold client IPs.
    who = hashlib.sha256((identity if identity is not None else client_ip(request)).encode()).hexdigest()[:32]
    key = f"medreg:throttle:{scope}:{who}:{window}"
    if cache.add(key, 1, timeout=parsed.period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=parsed.period + 1)
            count = 1
    if count > parsed.limit:
        return Decision(False, max(1, (window + 1) * parsed.period - now))
    return Decision(True, 0)
