"""Page: organization settings — management API keys (Enterprise, created and revoked by owners)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from segmently.auth import management
from segmently.auth.service import Principal
from segmently.errors import DomainError, NotFound
from segmently.orgs import service as orgs
from segmently.web.dashboard.rendering import (
    PagePrincipal,
    form_with_csrf,
    layout_context,
    redirect,
    render,
)
from segmently.web.deps import DB
from segmently.web.errors import status_for

router = APIRouter()

# The new key travels from the POST to the page it redirects to in a short-lived cookie, so
# that reloading the page shows it (once) instead of posting the form again (a second key).
NEW_KEY_COOKIE = "seg_new_mgmt_key"


def _page(
    request: Request,
    db: DB,
    principal: Principal,
    *,
    raw_key: str | None = None,
    error: DomainError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    keys = management.list_keys(db, principal.org.id)
    return render(
        request,
        "settings/organization.html",
        layout_context(db, principal)
        | {
            "keys": keys,
            "active_keys": sum(1 for k in keys if k.revoked_at is None),
            "max_keys": management.MAX_ACTIVE,
            "enterprise": orgs.plan_of(principal.org).management_api,
            "is_owner": principal.membership.role == "owner",
            "raw_key": raw_key,
            "error": error,
            "revoked": request.query_params.get("revoked"),
        },
        status_code=status_code,
    )


@router.get("/settings")
def settings_page(request: Request, db: DB, principal: PagePrincipal) -> Response:
    raw = request.cookies.get(NEW_KEY_COOKIE)
    if raw is None:
        return _page(request, db, principal)
    key = management.active_key(db, raw)
    shown = raw if key is not None and key.org_id == principal.org.id else None
    response = _page(request, db, principal, raw_key=shown)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(NEW_KEY_COOKIE, path="/settings")
    return response


@router.post("/settings/management-keys")
async def create_key(request: Request, db: DB, principal: PagePrincipal) -> Response:
    form = await form_with_csrf(request)
    try:
        _, raw = management.create_key(db, principal.membership, form.get("name", ""))
    except DomainError as exc:
        db.rollback()
        return _page(request, db, principal, error=exc, status_code=status_for(exc))
    # The raw key is shown on the next page only; it is stored as a hash.
    response = redirect("/settings")
    response.set_cookie(
        NEW_KEY_COOKIE,
        raw,
        max_age=300,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.server.secure_cookies,
        path="/settings",
    )
    return response


@router.post("/settings/management-keys/{key_id}/revoke")
async def revoke_key(key_id: str, request: Request, db: DB, principal: PagePrincipal) -> Response:
    await form_with_csrf(request)
    try:
        try:
            kid = uuid.UUID(key_id)
        except ValueError:
            raise NotFound("Management key not found.") from None
        management.revoke_key(db, principal.membership, kid)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, principal, error=exc, status_code=status_for(exc))
    return redirect("/settings?revoked=1")
