"""JSON endpoints for accounts: sign-up, sign-in, sign-out, profile and password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from segmently.auth import service
from segmently.auth.dependencies import CurrentPrincipal
from segmently.auth.schemas import (
    LoginIn,
    OrganizationOut,
    PasswordChangeIn,
    ProfileIn,
    SignupIn,
    TokenOut,
    UserOut,
)
from segmently.auth.service import Principal
from segmently.auth.tokens import issue_token
from segmently.db.models import User
from segmently.web.deps import DB, AppSettings, client_ip

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def user_out(principal: Principal) -> UserOut:
    return UserOut(
        id=principal.user.id,
        name=principal.user.name,
        email=principal.user.email,
        created_at=principal.user.created_at,
        organization=OrganizationOut(
            id=principal.org.id,
            name=principal.org.name,
            plan=principal.org.tier,
            role=principal.membership.role,
        ),
    )


def _token_out(db: DB, settings: AppSettings, user: User) -> TokenOut:
    principal = service.principal_for_user(db, user)
    token = issue_token(
        user.id, user.token_version, settings.auth.secret_key, settings.auth.token_days
    )
    return TokenOut(token=token, expires_in_days=settings.auth.token_days, user=user_out(principal))


@router.post("/auth/signup", status_code=201, response_model=TokenOut)
def signup(body: SignupIn, db: DB, settings: AppSettings) -> TokenOut:
    user = service.signup(
        db,
        name=body.name,
        email=body.email,
        organization_name=body.organization_name,
        password=body.password,
        rounds=settings.auth.bcrypt_rounds,
    )
    return _token_out(db, settings, user)


@router.post("/auth/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, db: DB, settings: AppSettings) -> TokenOut:
    user = service.authenticate(
        db,
        email=body.email,
        password=body.password,
        ip=client_ip(request),
        throttle=request.app.state.login_throttle,
        dummy_hash=request.app.state.dummy_hash,
    )
    return _token_out(db, settings, user)


@router.post("/auth/logout", status_code=204)
def logout(principal: CurrentPrincipal, db: DB) -> Response:
    service.logout(db, principal.user)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(principal: CurrentPrincipal) -> UserOut:
    return user_out(principal)


@router.patch("/me", response_model=UserOut)
def update_me(body: ProfileIn, principal: CurrentPrincipal, db: DB) -> UserOut:
    service.update_profile(db, principal.user, name=body.name, email=body.email)
    return user_out(principal)


@router.post("/me/password", response_model=TokenOut)
def change_password(
    body: PasswordChangeIn, principal: CurrentPrincipal, db: DB, settings: AppSettings
) -> TokenOut:
    service.change_password(
        db,
        principal.user,
        current_password=body.current_password,
        new_password=body.new_password,
        rounds=settings.auth.bcrypt_rounds,
    )
    return _token_out(db, settings, principal.user)
