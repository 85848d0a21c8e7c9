from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select

from segmently.auth import management
from segmently.auth.dependencies import CurrentPrincipal
from segmently.core.plans import usage_label
from segmently.db.models import ManagementKey, Membership
from segmently.orgs import service
from segmently.orgs.schemas import (
    ManagementKeyCreated,
    ManagementKeyIn,
    ManagementKeyOut,
    MemberOut,
    MemberStatusIn,
    OrganizationDetail,
    PlanOut,
)
from segmently.web.deps import DB

router = APIRouter(prefix="/api/v1", tags=["organization"])


def _member_out(m: Membership) -> MemberOut:
    return MemberOut(
        id=m.id,
        name=m.user.name if m.user else None,
        email=m.user.email if m.user else m.invited_email,
        role=m.role,
        status=m.status,
        created_at=m.created_at,
    )


@router.get("/organization", response_model=OrganizationDetail)
def organization(principal: CurrentPrincipal, db: DB) -> OrganizationDetail:
    org = principal.org
    plan = service.plan_of(org)
    use = service.usage(db, org.id)
    members = db.scalars(
        select(Membership).where(Membership.org_id == org.id).order_by(Membership.created_at)
    )
    return OrganizationDetail(
        id=org.id,
        name=org.name,
        plan=PlanOut(
            tier=plan.tier.value,
            name=plan.name,
            price_usd_month=plan.price_usd_month,
            max_experiments=plan.max_experiments,
            max_projects=plan.max_projects,
            max_seats=plan.max_seats,
            retention_days=plan.retention_days,
            badge_required=plan.badge_required,
        ),
        projects_usage=usage_label(use.projects, plan.max_projects, "Projects"),
        seats_usage=usage_label(use.seats, plan.max_seats, "Seats"),
        members=[_member_out(m) for m in members],
    )


@router.post("/organization/members/{member_id}/status", response_model=MemberOut)
def set_member_status(
    member_id: uuid.UUID, body: MemberStatusIn, principal: CurrentPrincipal, db: DB
) -> MemberOut:
    member = service.set_member_status(db, principal.membership, member_id, body.status)
    return _member_out(member)


def _key_out(key: ManagementKey) -> ManagementKeyOut:
    return ManagementKeyOut(
        id=key.id,
        name=key.name,
        hint=key.hint,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


@router.get("/organization/management-keys", response_model=list[ManagementKeyOut])
def list_management_keys(principal: CurrentPrincipal, db: DB) -> list[ManagementKeyOut]:
    return [_key_out(k) for k in management.list_keys(db, principal.org.id)]


@router.post("/organization/management-keys", status_code=201, response_model=ManagementKeyCreated)
def create_management_key(
    body: ManagementKeyIn, principal: CurrentPrincipal, db: DB
) -> ManagementKeyCreated:
    """The raw key is in this response only: copy it now."""
    key, raw = management.create_key(db, principal.membership, body.name)
    return ManagementKeyCreated(**_key_out(key).model_dump(), key=raw)


@router.delete("/organization/management-keys/{key_id}", response_model=ManagementKeyOut)
def revoke_management_key(
    key_id: uuid.UUID, principal: CurrentPrincipal, db: DB
) -> ManagementKeyOut:
    return _key_out(management.revoke_key(db, principal.membership, key_id))
