"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``, as partners verify them.

Headers on every delivery::

    X-MedReg-Timestamp: 1767225600            (Unix seconds)
    X-MedReg-Signature: v1=<hex HMAC-SHA256(secret, b"<timestamp>." + body)>
    Idempotency-Key: <uuid, the same on every retry of one delivery>
    X-MedReg-Event: registration.created

A receiver recomputes the HMAC with the shared secret, compares in constant time, rejects timestamps
older than its tolerance (replayed captures) and ignores an idempotency key it has already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-MedReg-Signature"
TIMESTAMP_HEADER = "X-MedReg-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-MedReg-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (also used by our tests): constant-time compare within a time window."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature or "")
