"""What ingestion needs to know about a project, read once and cached for a second.

Events name experiments, variants and goals by id; checking them and turning events into
aggregates needs the project's experiments, their variants, goals and funnel steps, and the
organization's plan (retention window, funnels). A change in the dashboard is seen within
``ttl`` seconds.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from segmently.core.evaluation import CompiledExperiment
from segmently.core.plans import plan_for
from segmently.db.models import Experiment, Organization, Project
from segmently.tracking.targeting import compile_stored

# Experiments whose numbers still move: live ones, and paused ones for late beacons of
# visitors already in them. Drafts (previews) and archived experiments only log events.
COUNTED_STATUSES = frozenset({"live", "paused"})


@dataclass(frozen=True, slots=True)
class VariantInfo:
    id: uuid.UUID
    key: str
    name: str
    weight: int
    changes: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class GoalInfo:
    id: uuid.UUID
    experiment_id: uuid.UUID
    kind: str
    url: str | None
    event_name: str | None
    primary: bool


@dataclass(frozen=True, slots=True)
class StepInfo:
    url: str
    event_name: str | None


@dataclass(frozen=True, slots=True)
class ExperimentInfo:
    id: uuid.UUID
    slug: str
    status: str
    seed: str
    traffic_percentage: int
    targeting: dict[str, Any]
    variants: tuple[VariantInfo, ...]
    variant_ids: frozenset[uuid.UUID]
    goals: tuple[GoalInfo, ...]
    funnel: tuple[StepInfo, ...]
    rules: CompiledExperiment | None  # targeting + allocation, as core.evaluation wants them
    custom_goals: dict[str, tuple[GoalInfo, ...]] = field(default_factory=dict)
    step_events: frozenset[str] = frozenset()

    @property
    def counted(self) -> bool:
        return self.status in COUNTED_STATUSES

    @property
    def primary_goal(self) -> GoalInfo | None:
        return next((g for g in self.goals if g.primary), self.goals[0] if self.goals else None)


@dataclass(frozen=True, slots=True)
class ProjectCatalog:
    project_id: uuid.UUID
    org_id: uuid.UUID
    tier: str
    retention_days: int
    funnels_enabled: bool
    experiments: dict[uuid.UUID, ExperimentInfo]
    by_slug: dict[str, ExperimentInfo]
    goals: dict[uuid.UUID, GoalInfo]
    counted: tuple[ExperimentInfo, ...] = field(default=())
    # custom event name → the counted experiments with a goal or funnel step of that name
    by_event: dict[str, tuple[ExperimentInfo, ...]] = field(default_factory=dict)


def load_catalog(session: Session, project: Project) -> ProjectCatalog:
    org = session.get(Organization, project.org_id)
    tier = org.tier if org is not None else "free"
    plan = plan_for(tier)
    experiments: dict[uuid.UUID, ExperimentInfo] = {}
    goals: dict[uuid.UUID, GoalInfo] = {}
    query = (
        select(Experiment)
        .where(Experiment.project_id == project.id)
        .options(selectinload(Experiment.variants), selectinload(Experiment.goals))
    )
    for exp in session.scalars(query):
        variants = tuple(
            VariantInfo(v.id, v.key, v.name, v.weight, list(v.changes or []))
            for v in sorted(exp.variants, key=lambda v: v.position)
        )
        exp_goals = tuple(
            GoalInfo(g.id, exp.id, g.kind, g.url, g.event_name, g.is_primary)
            for g in sorted(exp.goals, key=lambda g: g.position)
        )
        steps = tuple(
            StepInfo(str(s.get("url") or ""), s.get("event_name") or None)
            for s in (exp.funnel_steps or [])
            if isinstance(s, dict)
        )
        info = ExperimentInfo(
            id=exp.id,
            slug=exp.slug,
            status=exp.status,
            seed=exp.seed,
            traffic_percentage=exp.traffic_percentage,
            targeting=dict(exp.targeting or {}),
            variants=variants,
            variant_ids=frozenset(v.id for v in variants),
            goals=exp_goals,
            funnel=steps,
            rules=compile_stored(
                exp.seed,
                tuple(v.weight for v in variants),
                exp.traffic_percentage,
                dict(exp.targeting or {}),
            ),
        )
        custom: dict[str, tuple[GoalInfo, ...]] = {}
        for goal in exp_goals:
            if goal.kind == "custom_event" and goal.event_name:
                custom[goal.event_name] = (*custom.get(goal.event_name, ()), goal)
        info = replace(
            info,
            custom_goals=custom,
            step_events=frozenset(s.event_name for s in steps if s.event_name),
        )
        experiments[exp.id] = info
        goals.update((g.id, g) for g in exp_goals)
    by_event: dict[str, tuple[ExperimentInfo, ...]] = {}
    for info in experiments.values():
        if info.counted:
            for name in set(info.custom_goals) | info.step_events:
                by_event[name] = (*by_event.get(name, ()), info)
    return ProjectCatalog(
        by_event=by_event,
        project_id=project.id,
        org_id=project.org_id,
        tier=tier,
        retention_days=plan.retention_days,
        funnels_enabled=plan.funnels,
        experiments=experiments,
        by_slug={e.slug: e for e in experiments.values()},
        goals=goals,
        counted=tuple(e for e in experiments.values() if e.counted),
    )


class NeedsDatabase(Exception):
    """The answer is not cached: call again where blocking on the database is fine."""


class CatalogCache:
    """Publishable key → the project's catalog, for ``ttl`` seconds.

    Only keys that were valid when last checked are cached; the group-commit transaction
    checks every key again before it stores anything (``store.write_group``), so a revoked key
    or a suspended account is refused at once even while its catalog is cached.
    """

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, ProjectCatalog]] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    def for_key(
        self, sessions: sessionmaker[Session], raw_key: str | None, *, allow_db: bool
    ) -> ProjectCatalog | None:
        if not raw_key:
            return None
        hit = self._items.get(raw_key)
        if hit is not None:
            if time.monotonic() - hit[0] < self.ttl:
                return hit[1]
            if not allow_db:
                # Stale: one caller reloads it (from a thread); the others keep using it
                # meanwhile, so a busy key never sends every request to the database at once.
                with self._lock:
                    if raw_key in self._refreshing:
                        return hit[1]
                    self._refreshing.add(raw_key)
                raise NeedsDatabase
        elif not allow_db:
            raise NeedsDatabase
        try:
            return self._load(sessions, raw_key)
        finally:
            with self._lock:
                self._refreshing.discard(raw_key)

    def _load(self, sessions: sessionmaker[Session], raw_key: str) -> ProjectCatalog | None:
        from segmently.projects.service import project_for_key

        with sessions() as session:
            project = project_for_key(session, raw_key)
            if project is None:
                self.forget(raw_key)
                return None
            catalog = load_catalog(session, project)
            session.rollback()
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[raw_key] = (time.monotonic(), catalog)
        return catalog

    def forget(self, raw_key: str) -> None:
        with self._lock:
            self._items.pop(raw_key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
