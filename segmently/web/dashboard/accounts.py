"""Pages: sign up, sign in, sign out, account (profile and password)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from segmently.auth import service
from segmently.auth.dependencies import SESSION_COOKIE, OptionalPrincipal
from segmently.errors import DomainError
from segmently.web.dashboard.rendering import (
    PagePrincipal,
    form_with_csrf,
    layout_context,
    redirect,
    render,
    set_session_cookie,
)
from segmently.web.deps import DB, client_ip

router = APIRouter()


@router.get("/")
def home(principal: OptionalPrincipal) -> RedirectResponse:
    return redirect("/projects" if principal else "/login")


@router.get("/signup")
def signup_page(request: Request, principal: OptionalPrincipal) -> Response:
    if principal:
        return redirect("/projects")
    return render(request, "signup.html", {"principal": None, "form": {}, "error": None})


@router.post("/signup")
async def signup_submit(request: Request, db: DB) -> Response:
    form = await form_with_csrf(request)
    settings = request.app.state.settings
    try:
        user = service.signup(
            db,
            name=form.get("name", ""),
            email=form.get("email", ""),
            organization_name=form.get("organization_name", ""),
            password=form.get("password", ""),
            rounds=settings.auth.bcrypt_rounds,
        )
    except DomainError as exc:
        db.rollback()
        safe = {k: v for k, v in form.items() if "password" not in k}
        return render(
            request,
            "signup.html",
            {"principal": None, "form": safe, "error": exc},
            status_code=422 if exc.code != "email_taken" else 409,
        )
    response = redirect("/projects?welcome=1")
    set_session_cookie(request, response, user)
    return response


@router.get("/login")
def login_page(request: Request, principal: OptionalPrincipal) -> Response:
    if principal:
        return redirect("/projects")
    return render(request, "login.html", {"principal": None, "form": {}, "error": None})


@router.post("/login")
async def login_submit(request: Request, db: DB) -> Response:
    form = await form_with_csrf(request)
    try:
        user = service.authenticate(
            db,
            email=form.get("email", ""),
            password=form.get("password", ""),
            ip=client_ip(request),
            throttle=request.app.state.login_throttle,
            dummy_hash=request.app.state.dummy_hash,
        )
        service.principal_for_user(db, user)
    except DomainError as exc:
        status = 429 if exc.code == "rate_limited" else 401
        return render(
            request,
            "login.html",
            {"principal": None, "form": {"email": form.get("email", "")}, "error": exc},
            status_code=status,
        )
    response = redirect("/projects")
    set_session_cookie(request, response, user)
    return response


@router.post("/logout")
async def logout(request: Request, db: DB, principal: OptionalPrincipal) -> Response:
    await form_with_csrf(request)
    if principal:
        service.logout(db, principal.user)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account_page(request: Request, db: DB, principal: PagePrincipal) -> Response:
    saved = request.query_params.get("saved")
    return render(
        request,
        "account.html",
        layout_context(db, principal) | {"error": None, "saved": saved, "form": {}},
    )


@router.post("/account")
async def account_submit(request: Request, db: DB, principal: PagePrincipal) -> Response:
    form = await form_with_csrf(request)
    try:
        service.update_profile(db, principal.user, name=form.get("name"), email=form.get("email"))
    except DomainError as exc:
        db.rollback()
        db.refresh(principal.user)
        return render(
            request,
            "account.html",
            layout_context(db, principal) | {"error": exc, "saved": None, "form": form},
            status_code=422,
        )
    return redirect("/account?saved=profile")


@router.post("/account/password")
async def password_submit(request: Request, db: DB, principal: PagePrincipal) -> Response:
    form = await form_with_csrf(request)
    try:
        service.change_password(
            db,
            principal.user,
            current_password=form.get("current_password", ""),
            new_password=form.get("new_password", ""),
            rounds=request.app.state.settings.auth.bcrypt_rounds,
        )
    except DomainError as exc:
        return render(
            request,
            "account.html",
            layout_context(db, principal) | {"error": exc, "saved": None, "form": {}},
            status_code=422,
        )
    response = redirect("/account?saved=password")
    set_session_cookie(request, response, principal.user)
    return response
