"""Experiments: create, replace, transition, patch, delete — always scoped to one organization."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from segmently.core.plans import usage_label, within_limit
from segmently.db.models import Experiment, ExperimentAudit, Goal, Organization, Project, Variant
from segmently.errors import Conflict, InvalidInput, NotFound, PlanLimit
from segmently.experiments import compiler, lifecycle
from segmently.experiments.schemas import ExperimentConfigIn
from segmently.experiments.validation import CleanConfig, check_traffic, validate_config
from segmently.kit.clock import utcnow
from segmently.orgs import service as orgs


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit trail shows it."""

    label: str
    user_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ExperimentQuota:
    used: int
    limit: int | None
    can_create: bool
    label: str
    reason: str | None


def quota(session: Session, org: Organization) -> ExperimentQuota:
    """Non-archived experiments across the organization's projects, against the plan's limit."""
    plan = orgs.plan_of(org)
    used = (
        session.scalar(
            select(func.count())
            .select_from(Experiment)
            .join(Project, Project.id == Experiment.project_id)
            .where(Project.org_id == org.id, Experiment.status != "archived")
        )
        or 0
    )
    ok = within_limit(plan.max_experiments, used)
    reason = None
    if not ok:
        n = plan.max_experiments
        reason = (
            f"The {plan.name} plan includes {n} active experiment{'s' if n != 1 else ''}. "
            "Archive one or upgrade to add more."
        )
    return ExperimentQuota(
        used,
        plan.max_experiments,
        ok,
        usage_label(used, plan.max_experiments, "Experiments"),
        reason,
    )


def _lock_org(session: Session, org: Organization) -> None:
    # Serialises limit checks of one organization (a no-op on SQLite, whose writer is single).
    session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())


def _require_quota(session: Session, org: Organization) -> None:
    _lock_org(session, org)
    q = quota(session, org)
    if not q.can_create:
        raise PlanLimit(q.reason or "Experiment limit reached.")


def _audit(
    session: Session, experiment: Experiment, actor: Actor, action: str, **detail: object
) -> None:
    session.add(
        ExperimentAudit(
            experiment_id=experiment.id, actor=actor.label, action=action, detail=detail
        )
    )


def _check_slug_free(
    session: Session, project_id: uuid.UUID, slug: str, exclude: uuid.UUID | None
) -> None:
    query = select(Experiment.id).where(
        Experiment.project_id == project_id, Experiment.slug == slug
    )
    if exclude is not None:
        query = query.where(Experiment.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(
            f"Another experiment in this project already uses the slug {slug!r}.",
            field="slug",
            code="slug_taken",
        )


def _apply(session: Session, experiment: Experiment, clean: CleanConfig) -> None:
    experiment.name = clean.name
    experiment.slug = clean.slug
    experiment.description = clean.description
    experiment.hypothesis = clean.hypothesis
    experiment.activation_delay_ms = clean.activation_delay_ms
    experiment.traffic_percentage = clean.traffic_percentage
    experiment.targeting = clean.targeting
    experiment.funnel_steps = clean.funnel_steps
    experiment.schedule = clean.schedule
    experiment.cross_domains = clean.cross_domains
    experiment.integrations = clean.integrations

    # Variants keep their ids by key, so events already recorded stay attached.
    existing = {v.key: v for v in experiment.variants}
    kept: list[Variant] = []
    for position, data in enumerate(clean.variants):
        variant = existing.pop(data["key"], None) or Variant(key=data["key"])
        variant.name = data["name"]
        variant.weight = data["weight"]
        variant.changes = data["changes"]
        variant.position = position
        kept.append(variant)
    experiment.variants = kept
    experiment.goals = [
        Goal(
            name=g["name"],
            kind=g["kind"],
            selector=g["selector"],
            url=g["url"],
            event_name=g["event_name"],
            is_primary=g["primary"],
            position=i,
        )
        for i, g in enumerate(clean.goals)
    ]


def create_experiment(
    session: Session, org: Organization, project: Project, body: ExperimentConfigIn, actor: Actor
) -> Experiment:
    clean = validate_config(body, orgs.plan_of(org))
    _require_quota(session, org)
    _check_slug_free(session, project.id, clean.slug, None)
    experiment = Experiment(
        project_id=project.id,
        seed=secrets.token_hex(16),
        status="draft",
        created_by=actor.user_id,
        variants=[],
        goals=[],
    )
    session.add(experiment)
    _apply(session, experiment, clean)
    session.flush()
    _audit(session, experiment, actor, "created", slug=experiment.slug)
    compiler.recompile(session, project.id)
    return experiment


def replace_config(
    session: Session,
    org: Organization,
    experiment: Experiment,
    body: ExperimentConfigIn,
    actor: Actor,
) -> Experiment:
    lifecycle.check_editable(experiment.status)
    clean = validate_config(body, orgs.plan_of(org))
    if clean.slug != experiment.slug:
        if experiment.status != "draft":
            raise Conflict(
                "The slug can only change while the experiment is a draft.",
                field="slug",
                code="slug_locked",
            )
        _check_slug_free(session, experiment.project_id, clean.slug, experiment.id)
    if experiment.started_at is not None:
        before = {v.key for v in experiment.variants}
        after = {v["key"] for v in clean.variants}
        if before != after:
            raise Conflict(
                "Variants cannot be added or removed once an experiment has run; "
                "change weights and changes, or create a new experiment.",
                field="variants",
                code="variants_locked",
            )
    _apply(session, experiment, clean)
    experiment.updated_at = utcnow()
    session.flush()
    _audit(session, experiment, actor, "edited")
    compiler.recompile(session, experiment.project_id)
    return experiment


def transition(
    session: Session, org: Organization, experiment: Experiment, action: str, actor: Actor
) -> Experiment:
    target = lifecycle.target_of(experiment.status, action)
    if action == "reinstate":
        _require_quota(session, org)
    before = experiment.status
    experiment.status = target
    now = utcnow()
    if target == "live" and experiment.started_at is None:
        experiment.started_at = now
    if target == "archived":
        experiment.ended_at = now
    if action == "reinstate":
        experiment.ended_at = None
    experiment.updated_at = now
    session.flush()
    _audit(session, experiment, actor, action, **{"from": before, "to": target})
    compiler.recompile(session, experiment.project_id)
    return experiment


def set_traffic(session: Session, experiment: Experiment, value: int, actor: Actor) -> Experiment:
    if experiment.status == "archived":
        raise Conflict(
            "An archived experiment cannot change; reinstate it first.", code="not_editable"
        )
    before = experiment.traffic_percentage
    experiment.traffic_percentage = check_traffic(value)
    experiment.updated_at = utcnow()
    session.flush()
    _audit(session, experiment, actor, "traffic", **{"from": before, "to": value})
    compiler.recompile(session, experiment.project_id)
    return experiment


def delete_experiment(
    session: Session, experiment: Experiment, actor: Actor, *, confirm: str | None = None
) -> None:
    if confirm is not None and confirm.strip() != experiment.slug:
        raise InvalidInput(
            "Type the experiment's slug exactly to confirm deletion.",
            field="confirm",
            code="confirmation_mismatch",
        )
    project_id = experiment.project_id
    session.delete(experiment)
    session.flush()
    compiler.recompile(session, project_id)


def get_experiment(
    session: Session, org_id: uuid.UUID, experiment_id: uuid.UUID | str
) -> Experiment:
    """An experiment of one of this organization's projects; anything else is not found."""
    try:
        eid = (
            experiment_id if isinstance(experiment_id, uuid.UUID) else uuid.UUID(str(experiment_id))
        )
    except ValueError:
        raise NotFound("Experiment not found.") from None
    experiment = session.scalar(
        select(Experiment)
        .join(Project, Project.id == Experiment.project_id)
        .where(Experiment.id == eid, Project.org_id == org_id)
        .options(selectinload(Experiment.variants), selectinload(Experiment.goals))
    )
    if experiment is None:
        raise NotFound("Experiment not found.")
    return experiment


STATUS_ORDER = {"live": 0, "paused": 1, "draft": 2, "archived": 3}


def list_experiments(
    session: Session, org_id: uuid.UUID, project_id: uuid.UUID | None = None
) -> list[Experiment]:
    """Live, paused and draft first (newest first within each), archived last."""
    query = (
        select(Experiment)
        .join(Project, Project.id == Experiment.project_id)
        .where(Project.org_id == org_id)
        .options(selectinload(Experiment.variants))
    )
    if project_id is not None:
        query = query.where(Experiment.project_id == project_id)
    rows = list(session.scalars(query))
    rows.sort(key=lambda e: e.created_at, reverse=True)
    rows.sort(key=lambda e: STATUS_ORDER.get(e.status, 9))
    return rows


def audit_trail(session: Session, experiment: Experiment) -> list[ExperimentAudit]:
    return list(
        session.scalars(
            select(ExperimentAudit)
            .where(ExperimentAudit.experiment_id == experiment.id)
            .order_by(ExperimentAudit.created_at.desc())
        )
    )
