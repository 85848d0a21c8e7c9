"""The demo organization, user and project that ``segmently demo`` creates idempotently."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from segmently.auth.passwords import hash_password
from segmently.db.models import Membership, Organization, Project, User
from segmently.experiments import compiler
from segmently.orgs import service as orgs
from segmently.projects import service as projects

DEMO_EMAIL = "demo@segmently.local"
DEMO_ORG = "Segmently Demo"
DEMO_PROJECT = "Demo Shop"


@dataclass(frozen=True)
class DemoAccount:
    user: User
    org: Organization
    project: Project
    password: str


def _password(data_dir: Path) -> str:
    """One random demo password per installation, kept beside the data so it can be re-printed."""
    path = data_dir / "demo_password"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(12)
    path.write_text(value)
    path.chmod(0o600)
    return value


def ensure_demo(session: Session, *, data_dir: Path, base_url: str, rounds: int) -> DemoAccount:
    password = _password(data_dir)
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(
            email=DEMO_EMAIL, name="Demo User", password_hash=hash_password(password, rounds)
        )
        session.add(user)
        session.flush()
        org = orgs.create_organization(session, user, DEMO_ORG, tier="enterprise")
    else:
        from segmently.auth.passwords import verify_password

        if not verify_password(password, user.password_hash):
            user.password_hash = hash_password(password, rounds)
        user.is_active = True
        membership = session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.role == "owner")
        )
        if membership is None:
            org = orgs.create_organization(session, user, DEMO_ORG, tier="enterprise")
        else:
            org = membership.organization
            org.tier = "enterprise"
            membership.status = "active"
    project = session.scalar(
        select(Project).where(Project.org_id == org.id, Project.name == DEMO_PROJECT)
    )
    if project is None:
        project = projects.create_project(
            session, org, name=DEMO_PROJECT, base_url=f"{base_url}/demo/shop"
        )
    session.flush()
    compiler.recompile_org(session, org.id)
    return DemoAccount(user=user, org=org, project=project, password=password)


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is None
