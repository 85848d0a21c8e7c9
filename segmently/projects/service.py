"""Projects and API keys, always scoped to the caller's organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from segmently.core.plans import usage_label, within_limit
from segmently.db.models import ApiKey, Event, Membership, Organization, Project, User
from segmently.errors import InvalidInput, NotFound, PlanLimit
from segmently.experiments import compiler
from segmently.kit import secrets as tokens
from segmently.kit.clock import utcnow
from segmently.kit.text import clean_http_url, clean_name, has_control_characters
from segmently.orgs import service as orgs

API_KEY_PREFIX = "seg_live_"
# Settings a user may change, with their type and default; anything else is refused by name.
SETTING_DEFAULTS: dict[str, Any] = {"cookie_mode": False, "conversion_urls": []}


@dataclass(frozen=True)
class ProjectQuota:
    used: int
    limit: int | None
    can_create: bool
    label: str
    reason: str | None


def quota(session: Session, org: Organization) -> ProjectQuota:
    plan = orgs.plan_of(org)
    used = orgs.usage(session, org.id).projects
    ok = within_limit(plan.max_projects, used)
    reason = (
        None
        if ok
        else f"The {plan.name} plan includes {plan.max_projects} project"
        f"{'s' if (plan.max_projects or 0) != 1 else ''}. Upgrade to add more."
    )
    return ProjectQuota(
        used, plan.max_projects, ok, usage_label(used, plan.max_projects, "Projects"), reason
    )


def _new_key(project: Project) -> ApiKey:
    key = tokens.new_token(API_KEY_PREFIX)
    return ApiKey(project_id=project.id, key=key, key_hash=tokens.sha256_hex(key))


def create_project(
    session: Session, org: Organization, *, name: str, base_url: str | None = None
) -> Project:
    clean = clean_name(name, field="name", label="Project name")
    url = clean_http_url(base_url, field="base_url", label="Base URL")
    # Lock the organization row so two concurrent creations cannot both pass the limit check.
    session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    q = quota(session, org)
    if not q.can_create:
        raise PlanLimit(q.reason or "Project limit reached.", field="name")
    project = Project(org_id=org.id, name=clean, base_url=url, settings=dict(SETTING_DEFAULTS))
    session.add(project)
    session.flush()
    session.add(_new_key(project))
    session.flush()
    compiler.recompile(session, project.id)
    return project


def list_projects(session: Session, org_id: uuid.UUID) -> list[Project]:
    return list(
        session.scalars(
            select(Project).where(Project.org_id == org_id).order_by(Project.created_at)
        )
    )


def get_project(session: Session, org_id: uuid.UUID, project_id: uuid.UUID | str) -> Project:
    """A project of this organization; any other id (another tenant's too) is simply not found."""
    try:
        pid = project_id if isinstance(project_id, uuid.UUID) else uuid.UUID(str(project_id))
    except ValueError:
        raise NotFound("Project not found.") from None
    project = session.scalar(select(Project).where(Project.id == pid, Project.org_id == org_id))
    if project is None:
        raise NotFound("Project not found.")
    return project


def update_project(
    session: Session,
    project: Project,
    *,
    name: str | None = None,
    base_url: str | None = None,
    settings: dict[str, Any] | None = None,
    clear_base_url: bool = False,
) -> Project:
    if name is not None:
        project.name = clean_name(name, field="name", label="Project name")
    if base_url is not None or clear_base_url:
        project.base_url = clean_http_url(base_url, field="base_url", label="Base URL")
    if settings is not None:
        merged = dict(SETTING_DEFAULTS) | dict(project.settings or {})
        for key, value in settings.items():
            if key not in SETTING_DEFAULTS:
                shown = key if len(key) <= 60 else key[:60] + "…"
                raise InvalidInput(f"Unknown project setting {shown!r}.", field=f"settings.{shown}")
            merged[key] = _check_setting(key, value)
        project.settings = merged
    session.flush()
    compiler.recompile(session, project.id)
    return project


def _check_setting(key: str, value: Any) -> Any:
    if key == "cookie_mode":
        if not isinstance(value, bool):
            raise InvalidInput("cookie_mode must be true or false.", field="settings.cookie_mode")
        return value
    # conversion_urls: a short list of paths or URLs
    if not isinstance(value, list) or len(value) > 20:
        raise InvalidInput(
            "conversion_urls must be a list of at most 20 paths.", field="settings.conversion_urls"
        )
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > 500:
            raise InvalidInput(
                "Each conversion URL must be a non-empty text of at most 500 characters.",
                field="settings.conversion_urls",
            )
        if has_control_characters(item):
            raise InvalidInput(
                "A conversion URL must not contain control characters.",
                field="settings.conversion_urls",
            )
        out.append(item.strip())
    return out


def delete_project(session: Session, project: Project, *, confirm: str) -> None:
    """Permanent; the caller must type the project's name (its experiments and data go too)."""
    if (confirm or "").strip() != project.name:
        raise InvalidInput(
            "Type the project's name exactly to confirm deletion.",
            field="confirm",
            code="confirmation_mismatch",
        )
    # The events table has no foreign key (it would cost every stored event a lookup), so its
    # rows go explicitly. The row lock first waits for any ingestion group that has checked
    # this project (``FOR KEY SHARE``) to commit, and keeps new ones out until this commits;
    # the DELETE then sees what they stored.
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    session.execute(delete(Event).where(Event.project_id == project.id))
    session.delete(project)
    session.flush()


def active_key(session: Session, project: Project) -> ApiKey:
    key = session.scalar(
        select(ApiKey)
        .where(ApiKey.project_id == project.id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc())
        .limit(1)
    )
    if key is None:  # every project is created with a key; heal a hand-edited database
        key = _new_key(project)
        session.add(key)
        session.flush()
    return key


def regenerate_key(session: Session, project: Project) -> ApiKey:
    """A new key; the old one fails from the next request on."""
    now = utcnow()
    for old in session.scalars(
        select(ApiKey).where(ApiKey.project_id == project.id, ApiKey.revoked_at.is_(None))
    ):
        old.revoked_at = now
    key = _new_key(project)
    session.add(key)
    session.flush()
    return key


def project_for_key(session: Session, raw_key: str | None) -> Project | None:
    """The project a publishable key belongs to, while the key and its organization are in good
    standing (the owner's account is active). ``None`` for every kind of bad key alike."""
    if not raw_key or not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > 64:
        return None
    row = session.execute(
        select(Project, ApiKey.revoked_at)
        .join(ApiKey, ApiKey.project_id == Project.id)
        .where(ApiKey.key_hash == tokens.sha256_hex(raw_key))
    ).first()
    if row is None or row[1] is not None:
        return None
    project: Project = row[0]
    owner_active = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.org_id == project.org_id,
            Membership.role == "owner",
            Membership.status == "active",
            User.is_active.is_(True),
        )
        .limit(1)
    )
    return project if owner_active is not None else None
