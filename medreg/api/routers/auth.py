"""``POST /auth/token``: exchange a username and password for a bearer token."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from medreg.accounts import services as accounts
from medreg.api.auth import token_throttle
from medreg.api.errors import Unauthorized
from medreg.api.schemas import Problem, TokenIn, TokenOut
from medreg.core.errors import DomainError

router = Router(tags=["auth"])


@router.post("/token", auth=None, throttle=[token_throttle()], response={200: TokenOut, 401: Problem, 422: Problem})
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Issue a bearer token for ``Authorization: Bearer <token>``. Tokens expire after a few hours."""
    try:
        token, row = accounts.issue_api_token(username=payload.username, password=payload.password)
    except DomainError as exc:
        if exc.code == "bad_credentials":
            raise Unauthorized(errors=exc.errors) from None
        raise
    return TokenOut(access_token=token, expires_at=row.expires_at)
