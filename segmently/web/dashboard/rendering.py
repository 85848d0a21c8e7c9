"""Template rendering with the CSRF cookie, the layout's context and redirects."""

from __future__ import annotations

import inspect
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from segmently.auth.dependencies import CSRF_COOKIE, SESSION_COOKIE, OptionalPrincipal, check_csrf
from segmently.auth.service import Principal
from segmently.auth.tokens import issue_token
from segmently.core.plans import usage_label
from segmently.db.models import User
from segmently.errors import DomainError
from segmently.orgs import service as orgs
from segmently.web.errors import status_for

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_new", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.csrf_new = token
    return token


def _set_csrf_cookie(request: Request, response: Any) -> None:
    new = getattr(request.state, "csrf_new", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.server.secure_cookies,
            path="/",
        )


def layout_context(db: Session, principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"principal": None}
    plan = orgs.plan_of(principal.org)
    use = orgs.usage(db, principal.org.id)
    return {
        "principal": principal,
        "plan": plan,
        "projects_usage": usage_label(use.projects, plan.max_projects, "Projects"),
        "seats_usage": usage_label(use.seats, plan.max_seats, "Seats"),
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    ctx = {"csrf_token": csrf_token(request), "request": request} | context
    response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    _set_csrf_cookie(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    return redirect("/login")


def set_session_cookie(request: Request, response: Any, user: User) -> None:
    settings = request.app.state.settings
    token = issue_token(
        user.id, user.token_version, settings.auth.secret_key, settings.auth.token_days
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.auth.token_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.server.secure_cookies,
        path="/",
    )


async def form_with_csrf(request: Request) -> dict[str, str]:
    """The posted form as plain strings, after the CSRF check."""
    await check_csrf(request)
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


class LoginRequired(Exception):
    """Raised by :data:`PagePrincipal` for an anonymous visitor of a signed-in page."""


async def _page_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise LoginRequired
    return principal


# A dashboard page's user: anonymous visitors are redirected to the login page.
PagePrincipal = Annotated[Principal, Depends(_page_principal)]


def _is_page(request: Request) -> bool:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return getattr(endpoint, "__module__", "").startswith("segmently.web.dashboard")


def install_page_errors(app: FastAPI) -> None:
    """Dashboard pages answer domain errors with an HTML page; the API keeps its JSON shape.

    Handlers only catch the errors they turn into inline form messages; everything else
    (a missing project, a failed CSRF check, a forbidden transition) lands here. The request's
    unit of work has been rolled back by then, so the page is rendered without the session's
    objects.
    """
    json_handler = app.exception_handlers[DomainError]

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if not _is_page(request):
            response = json_handler(request, exc)
            return await response if inspect.isawaitable(response) else response
        return render(
            request,
            "error.html",
            {"principal": None, "message": exc.message},
            status_code=status_for(exc),
        )

    async def login_required(request: Request, exc: Exception) -> Response:
        return login_redirect(request)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(LoginRequired, login_required)
