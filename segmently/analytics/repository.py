"""Queries over the incrementally maintained aggregates; none of them reads the raw events."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from segmently.db.models import FunnelDaily, GoalDaily, VariantDaily


@dataclass
class VariantTotals:
    visitors: int = 0
    page_views: int = 0
    exits: int = 0
    bounces: int = 0
    time_on_page_ms: int = 0
    time_on_page_count: int = 0


@dataclass
class GoalTotals:
    conversions: int = 0
    revenue_sum: float = 0.0
    revenue_sumsq: float = 0.0


@dataclass
class DayRow:
    day: date
    visitors: dict[uuid.UUID, int] = field(default_factory=dict)
    conversions: dict[uuid.UUID, int] = field(default_factory=dict)


def variant_totals(session: Session, experiment_id: uuid.UUID) -> dict[uuid.UUID, VariantTotals]:
    rows = session.execute(
        select(
            VariantDaily.variant_id,
            func.sum(VariantDaily.visitors),
            func.sum(VariantDaily.page_views),
            func.sum(VariantDaily.exits),
            func.sum(VariantDaily.bounces),
            func.sum(VariantDaily.time_on_page_ms),
            func.sum(VariantDaily.time_on_page_count),
        )
        .where(VariantDaily.experiment_id == experiment_id)
        .group_by(VariantDaily.variant_id)
    )
    return {vid: VariantTotals(*(int(x or 0) for x in rest)) for vid, *rest in rows}


def goal_totals(
    session: Session, experiment_id: uuid.UUID
) -> dict[uuid.UUID, dict[uuid.UUID, GoalTotals]]:
    """goal id → variant id → totals."""
    rows = session.execute(
        select(
            GoalDaily.goal_id,
            GoalDaily.variant_id,
            func.sum(GoalDaily.conversions),
            func.sum(GoalDaily.revenue_sum),
            func.sum(GoalDaily.revenue_sumsq),
        )
        .where(GoalDaily.experiment_id == experiment_id)
        .group_by(GoalDaily.goal_id, GoalDaily.variant_id)
    )
    out: dict[uuid.UUID, dict[uuid.UUID, GoalTotals]] = defaultdict(dict)
    for gid, vid, conv, rsum, rsq in rows:
        out[gid][vid] = GoalTotals(int(conv or 0), float(rsum or 0.0), float(rsq or 0.0))
    return out


def funnel_totals(session: Session, experiment_id: uuid.UUID) -> dict[uuid.UUID, dict[int, int]]:
    """variant id → step (1-based) → visitors who reached it in order."""
    rows = session.execute(
        select(FunnelDaily.variant_id, FunnelDaily.step, func.sum(FunnelDaily.reached))
        .where(FunnelDaily.experiment_id == experiment_id)
        .group_by(FunnelDaily.variant_id, FunnelDaily.step)
    )
    out: dict[uuid.UUID, dict[int, int]] = defaultdict(dict)
    for vid, step, reached in rows:
        out[vid][int(step)] = int(reached or 0)
    return out


def daily_series(
    session: Session, experiment_id: uuid.UUID, goal_id: uuid.UUID | None
) -> list[DayRow]:
    """Per UTC day and variant: new visitors and new converters on ``goal_id``."""
    days: dict[date, DayRow] = {}
    for day, vid, visitors in session.execute(
        select(VariantDaily.day, VariantDaily.variant_id, VariantDaily.visitors).where(
            VariantDaily.experiment_id == experiment_id
        )
    ):
        days.setdefault(day, DayRow(day)).visitors[vid] = int(visitors or 0)
    if goal_id is not None:
        for day, vid, conv in session.execute(
            select(GoalDaily.day, GoalDaily.variant_id, GoalDaily.conversions).where(
                GoalDaily.experiment_id == experiment_id, GoalDaily.goal_id == goal_id
            )
        ):
            days.setdefault(day, DayRow(day)).conversions[vid] = int(conv or 0)
    return [days[d] for d in sorted(days)]


def visitor_totals_for(
    session: Session, experiment_ids: list[uuid.UUID], since: date | None
) -> dict[uuid.UUID, int]:
    """Visitors per experiment (for the cross-project dashboard), optionally since a day."""
    if not experiment_ids:
        return {}
    query = (
        select(VariantDaily.experiment_id, func.sum(VariantDaily.visitors))
        .where(VariantDaily.experiment_id.in_(experiment_ids))
        .group_by(VariantDaily.experiment_id)
    )
    if since is not None:
        query = query.where(VariantDaily.day >= since)
    return {eid: int(n or 0) for eid, n in session.execute(query)}


def conversion_totals_for(
    session: Session, goal_ids: list[uuid.UUID], since: date | None
) -> dict[uuid.UUID, int]:
    """Converting visitors per goal (the primary goals of the listed experiments)."""
    if not goal_ids:
        return {}
    query = (
        select(GoalDaily.goal_id, func.sum(GoalDaily.conversions))
        .where(GoalDaily.goal_id.in_(goal_ids))
        .group_by(GoalDaily.goal_id)
    )
    if since is not None:
        query = query.where(GoalDaily.day >= since)
    return {gid: int(n or 0) for gid, n in session.execute(query)}
