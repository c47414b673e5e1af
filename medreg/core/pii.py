"""Personal data at rest: encrypted columns and keyed hashes for exact look-up.

ID numbers, phones and birth dates are stored encrypted (Fernet, key derived from ``PII_KEY``) and,
where they must be searched, alongside an HMAC-SHA256 "blind index" so equality look-ups never need
the clear text in SQL or in logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(("medreg-pii-enc:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=4)
def _hmac_key(key: str) -> bytes:
    return hashlib.sha256(("medreg-pii-idx:" + key).encode()).digest()


def encrypt(value: str) -> str:
    return _fernet(settings.PII_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.PII_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must never silently yield garbage
        raise ValueError("personal data could not be decrypted with the configured MEDREG_PII_KEY") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value, for equality look-ups (``purpose`` separates domains)."""
    msg = f"{purpose}:{value.strip().upper()}".encode()
    return hmac.new(_hmac_key(settings.PII_KEY), msg, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; the Python value is the clear text (or empty string)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value in (None, ""):
            return value or ""
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))
