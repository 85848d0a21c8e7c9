"""Management keys (``seg_mgmt_``): Enterprise, owner-managed, shown once, stored as SHA-256."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from segmently.db.models import ManagementKey, Membership, Organization
from segmently.errors import Forbidden, InvalidInput, NotFound, PlanLimit, Unauthorized
from segmently.kit import secrets as tokens
from segmently.kit.clock import utcnow
from segmently.kit.text import clean_name
from segmently.orgs import service as orgs
from segmently.web.deps import DB

PREFIX = "seg_mgmt_"
MAX_ACTIVE = 10
BAD_KEY = "Missing, invalid or revoked management key."


@dataclass(frozen=True)
class ManagementCaller:
    org: Organization
    key: ManagementKey

    @property
    def label(self) -> str:
        return f"API key {self.key.name!r} ({self.key.hint})"


def _owner_on_enterprise(actor: Membership) -> None:
    if actor.role != "owner":
        raise Forbidden("Only the organization's owner can manage management keys.")
    if not orgs.plan_of(actor.organization).management_api:
        raise PlanLimit("The management API needs the Enterprise plan.")


def create_key(session: Session, actor: Membership, name: str) -> tuple[ManagementKey, str]:
    """A new key and its raw value, which is never stored and never shown again."""
    _owner_on_enterprise(actor)
    label = clean_name(name, field="name", label="Key name")
    active = session.scalar(
        select(func.count()).where(
            ManagementKey.org_id == actor.org_id, ManagementKey.revoked_at.is_(None)
        )
    )
    if (active or 0) >= MAX_ACTIVE:
        raise InvalidInput(
            f"An organization can have at most {MAX_ACTIVE} active management keys; "
            "revoke one first.",
            code="too_many_keys",
        )
    raw = tokens.new_token(PREFIX, 32)
    key = ManagementKey(
        org_id=actor.org_id,
        name=label,
        key_hash=tokens.sha256_hex(raw),
        hint=f"{PREFIX}…{raw[-4:]}",
        created_by=actor.user_id,
    )
    session.add(key)
    session.flush()
    return key, raw


def list_keys(session: Session, org_id: uuid.UUID) -> list[ManagementKey]:
    return list(
        session.scalars(
            select(ManagementKey)
            .where(ManagementKey.org_id == org_id)
            .order_by(ManagementKey.created_at.desc())
        )
    )


def revoke_key(session: Session, actor: Membership, key_id: uuid.UUID) -> ManagementKey:
    if actor.role != "owner":
        raise Forbidden("Only the organization's owner can manage management keys.")
    key = session.scalar(
        select(ManagementKey).where(
            ManagementKey.id == key_id, ManagementKey.org_id == actor.org_id
        )
    )
    if key is None:
        raise NotFound("Management key not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def active_key(session: Session, raw: str | None) -> ManagementKey | None:
    """The unrevoked key whose secret is ``raw``, looked up by its hash."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    key = session.scalar(
        select(ManagementKey).where(ManagementKey.key_hash == tokens.sha256_hex(raw))
    )
    return key if key is not None and key.revoked_at is None else None


def caller_for(session: Session, raw: str | None) -> ManagementCaller | None:
    key = active_key(session, raw)
    if key is None:
        return None
    org = session.get(Organization, key.org_id)
    if org is None or not orgs.plan_of(org).management_api:
        return None
    key.last_used_at = utcnow()
    return ManagementCaller(org=org, key=key)


def _management_caller(
    request: Request,
    db: DB,
    x_management_key: Annotated[str | None, Header(max_length=300)] = None,
) -> ManagementCaller:
    raw = x_management_key
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if not raw and scheme.lower() == "bearer":
        raw = value.strip()
    caller = caller_for(db, raw)
    if caller is None:
        raise Unauthorized(BAD_KEY, code="invalid_management_key")
    return caller


CurrentManager = Annotated[ManagementCaller, Depends(_management_caller)]
