"""Masking of personal data for display, and a logging filter that scrubs it from log records."""

from __future__ import annotations

import logging
import re

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_QUAL_RE = re.compile(r"(?<!\d)(\d{9})(\d{14,17}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phone(value: str) -> str:
    """138****5678."""
    v = (value or "").strip()
    return v[:3] + "****" + v[-4:] if len(v) >= 7 else "****"


def mask_id(value: str) -> str:
    """Keep the first 3 and the last 4 characters of an 18-character ID number."""
    v = (value or "").strip()
    if len(v) < 8:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_name(value: str) -> str:
    """张*明 / 李*: keep the surname and, for 3+ characters, the last character."""
    v = (value or "").strip()
    if len(v) <= 1:
        return v
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an ID number, qualification code or phone."""
    text = _QUAL_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)), text)
    text = _ID_RE.sub(lambda m: m.group(1)[:3] + "***" + "*" * 8 + m.group(3)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


class PIILogFilter(logging.Filter):
    """Rewrites every log record so personal data never reaches a log sink."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not drop the record
            message = str(record.msg)
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            # Exception messages can carry personal data too: format the traceback now, scrubbed.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
