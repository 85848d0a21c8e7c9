"""Who is calling: a dashboard user (cookie + CSRF) or an API client (Bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from segmently.auth import service
from segmently.auth.service import Principal
from segmently.auth.tokens import read_token
from segmently.errors import Forbidden, Unauthorized
from segmently.kit import secrets as tokens
from segmently.web.deps import DB

SESSION_COOKIE = "seg_session"
CSRF_COOKIE = "seg_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def check_csrf(request: Request) -> None:
    """Double-submit check: the form field or header must equal the CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    if not expected or not given or not tokens.equal(expected, given):
        raise Forbidden(
            "The form has expired or did not come from this site. Reload the page and try again.",
            code="csrf_failed",
        )


async def _principal(request: Request, db: DB) -> Principal:
    token = bearer_token(request)
    from_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("Sign in to continue.", code="not_authenticated")
    if from_cookie and request.method not in SAFE_METHODS:
        await check_csrf(request)
    claims = read_token(token, request.app.state.settings.auth.secret_key)
    principal = service.principal_for(db, claims) if claims else None
    if principal is None:
        raise Unauthorized("Your session has ended. Sign in again.", code="invalid_token")
    return principal


async def _optional_principal(request: Request, db: DB) -> Principal | None:
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    claims = read_token(token, request.app.state.settings.auth.secret_key)
    return service.principal_for(db, claims) if claims else None


CurrentPrincipal = Annotated[Principal, Depends(_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(_optional_principal)]
