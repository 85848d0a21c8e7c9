"""Accounts: sign-up, sign-in, sign-out, password and profile changes, and who a token is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from segmently.auth.passwords import check_password_rules, hash_password, verify_password
from segmently.auth.throttle import LoginThrottle
from segmently.auth.tokens import TokenClaims
from segmently.db.models import Membership, Organization, User
from segmently.errors import Conflict, InvalidInput, Unauthorized
from segmently.kit.text import clean_email, clean_name
from segmently.orgs import service as orgs

BAD_CREDENTIALS = "Email or password is incorrect."


@dataclass(frozen=True)
class Principal:
    """A signed-in user acting inside one organization through an active membership."""

    user: User
    membership: Membership
    org: Organization


def signup(
    session: Session, *, name: str, email: str, organization_name: str, password: str, rounds: int
) -> User:
    name = clean_name(name, field="name", label="Name")
    email = clean_email(email)
    org_name = clean_name(organization_name, field="organization_name", label="Organization name")
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            "An account with this email already exists. Sign in instead.",
            field="email",
            code="email_taken",
        )
    user = User(email=email, name=name, password_hash=hash_password(password, rounds))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent sign-up with the same email won the race
        raise Conflict(
            "An account with this email already exists.", field="email", code="email_taken"
        ) from None
    orgs.create_organization(session, user, org_name)
    return user


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    throttle: LoginThrottle,
    dummy_hash: str,
) -> User:
    """The user for these credentials. Unknown email and wrong password answer alike."""
    key = (email or "").strip().lower()[:254]
    throttle.check(key, ip)
    # Text no stored email can hold (NUL, lone surrogates) is never sent to the database,
    # whose drivers refuse it; it is simply an unknown email.
    user = session.scalar(select(User).where(User.email == key)) if _storable(key) else None
    # Always run one bcrypt check so an unknown email costs the same time as a wrong password.
    ok = verify_password(password or "", user.password_hash if user else dummy_hash)
    if user is None or not ok or not user.is_active:
        throttle.failed(key, ip)
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    throttle.succeeded(key)
    return user


def principal_for(session: Session, claims: TokenClaims) -> Principal | None:
    """Checked on every request: user exists and is active, token not revoked, membership active."""
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.version:
        return None
    membership = orgs.active_membership(session, user.id, user.current_org_id)
    if membership is None or membership.status != "active":
        return None
    return Principal(user=user, membership=membership, org=membership.organization)


def logout(session: Session, user: User) -> None:
    user.token_version += 1
    session.flush()


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str, rounds: int
) -> None:
    if not verify_password(current_password or "", user.password_hash):
        raise InvalidInput(
            "Current password is incorrect.", field="current_password", code="wrong_password"
        )
    check_password_rules(new_password, field="new_password")
    user.password_hash = hash_password(new_password, rounds)
    user.token_version += 1  # every other session ends; the caller gets a fresh token
    session.flush()


def update_profile(
    session: Session, user: User, *, name: str | None = None, email: str | None = None
) -> User:
    if name is not None:
        user.name = clean_name(name, field="name", label="Name")
    if email is not None:
        new_email = clean_email(email)
        if new_email != user.email:
            taken = session.scalar(select(User.id).where(User.email == new_email))
            if taken is not None:
                raise Conflict(
                    "Another account already uses this email.", field="email", code="email_taken"
                )
            user.email = new_email
    session.flush()
    return user


def principal_for_user(session: Session, user: User) -> Principal:
    """The principal of a user who has just proven who they are (sign-up, sign-in)."""
    membership = orgs.active_membership(session, user.id, user.current_org_id)
    if membership is None or membership.status != "active":
        others = orgs.memberships_of(session, user.id)
        if not others:
            raise Unauthorized(
                "Your access has been suspended. Contact your organization's owner.",
                code="account_suspended",
            )
        membership = others[0]
        user.current_org_id = membership.org_id
    return Principal(user=user, membership=membership, org=membership.organization)


def _storable(text: str) -> bool:
    if not text or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
