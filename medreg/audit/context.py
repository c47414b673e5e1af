"""The audit context (request id, channel) for web requests, API calls, tasks and commands alike."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("medreg_request_id", default="")
_channel: contextvars.ContextVar[str] = contextvars.ContextVar("medreg_channel", default="system")


def current_request_id() -> str:
    return _request_id.get() or ""


def current_channel() -> str:
    return _channel.get()


@contextlib.contextmanager
def audit_context(*, channel: str, request_id: str | None = None) -> Iterator[str]:
    """Run a block (a request, a task, a command) under one request id and channel."""
    rid = request_id or uuid.uuid4().hex
    t1 = _request_id.set(rid)
    t2 = _channel.set(channel)
    try:
        yield rid
    finally:
        _request_id.reset(t1)
        _channel.reset(t2)
