"""Organizations and memberships: creation, lookup, suspension, usage against plan limits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from segmently.core.plans import Plan, Tier, plan_for
from segmently.db.models import Membership, Organization, Project, User
from segmently.errors import Forbidden, InvalidInput, NotFound
from segmently.kit.clock import utcnow
from segmently.kit.text import clean_name

ROLES = ("owner", "admin", "member")
SEAT_STATUSES = ("active", "pending")


@dataclass(frozen=True)
class Usage:
    projects: int
    seats: int


def create_organization(
    session: Session, owner: User, name: str, tier: str = "free"
) -> Organization:
    org = Organization(
        name=clean_name(name, field="organization_name", label="Organization name"),
        tier=Tier(tier).value,
    )
    session.add(org)
    session.flush()
    session.add(Membership(org_id=org.id, user_id=owner.id, role="owner", status="active"))
    owner.current_org_id = org.id
    session.flush()
    return org


def plan_of(org: Organization) -> Plan:
    return plan_for(org.tier)


def usage(session: Session, org_id: uuid.UUID) -> Usage:
    projects = session.scalar(select(func.count()).where(Project.org_id == org_id)) or 0
    seats = (
        session.scalar(
            select(func.count()).where(
                Membership.org_id == org_id, Membership.status.in_(SEAT_STATUSES)
            )
        )
        or 0
    )
    return Usage(projects=projects, seats=seats)


def active_membership(
    session: Session, user_id: uuid.UUID, org_id: uuid.UUID | None
) -> Membership | None:
    """The user's membership in ``org_id``, or in their first organization when none is chosen."""
    query = select(Membership).where(Membership.user_id == user_id)
    if org_id is not None:
        return session.scalar(query.where(Membership.org_id == org_id))
    return session.scalar(query.order_by(Membership.created_at).limit(1))


def memberships_of(session: Session, user_id: uuid.UUID) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user_id, Membership.status == "active")
            .order_by(Membership.created_at)
        )
    )


def set_member_status(
    session: Session, actor: Membership, membership_id: uuid.UUID, status: str
) -> Membership:
    """Owner-only suspension or reactivation of another member of the same organization."""
    if status not in ("active", "suspended"):
        raise InvalidInput("Status must be active or suspended.", field="status")
    if actor.role != "owner":
        raise Forbidden("Only the organization's owner can suspend or activate members.")
    target = session.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.org_id == actor.org_id)
    )
    if target is None:
        raise NotFound("No such member in this organization.")
    if target.id == actor.id:
        raise InvalidInput("You cannot change your own status.", field="status")
    if target.status == "pending":
        raise InvalidInput("A pending invitation cannot be suspended; cancel it instead.")
    target.status = status
    target.updated_at = utcnow()
    if status == "suspended" and target.user is not None:
        # Revoke the member's sessions at once, not when their token expires.
        target.user.token_version += 1
    session.flush()
    return target
