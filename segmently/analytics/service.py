"""Experiment results: sufficient statistics from the aggregates, compared by ``core.stats``."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from segmently.analytics import repository
from segmently.analytics.repository import GoalTotals, VariantTotals
from segmently.analytics.schemas import (
    DailyPoint,
    EngagementOut,
    FunnelOut,
    FunnelStepOut,
    GoalResultsOut,
    GoalVariantOut,
    Interval,
    OverviewOut,
    OverviewRow,
    ResultsOut,
    RevenueOut,
    SrmOut,
    TimelineOut,
    WinnerOut,
)
from segmently.core import stats
from segmently.db.models import Experiment, Goal, OutboxMessage, Project, Variant
from segmently.kit.clock import utcnow

NO_WINNER = "No clear winner yet; collect more data."


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _interval(interval: stats.Interval | None, scale: float = 100.0) -> Interval | None:
    if interval is None:
        return None
    return Interval(
        estimate=interval.estimate * scale, low=interval.low * scale, high=interval.high * scale
    )


def variant_stats(
    variants: list[Variant],
    visitors: dict[uuid.UUID, VariantTotals],
    totals: dict[uuid.UUID, GoalTotals],
) -> list[stats.VariantStats]:
    out = []
    for v in variants:
        g = totals.get(v.id, GoalTotals())
        out.append(
            stats.VariantStats.clamped(
                visitors.get(v.id, VariantTotals()).visitors,
                g.conversions,
                g.revenue_sum,
                g.revenue_sumsq,
            )
        )
    return out


def _goal_results(
    variants: list[Variant],
    visitors: dict[uuid.UUID, VariantTotals],
    totals: dict[uuid.UUID, GoalTotals],
    *,
    goal: Goal | None,
    primary: bool,
) -> GoalResultsOut:
    data = variant_stats(variants, visitors, totals)
    analysis = stats.analyze(data)
    by_index = {c.variant: c for c in analysis.comparisons}
    rows: list[GoalVariantOut] = []
    for i, (v, d) in enumerate(zip(variants, data, strict=True)):
        c = by_index.get(i)
        rows.append(
            GoalVariantOut(
                variant_id=v.id,
                key=v.key,
                name=v.name,
                is_control=i == analysis.control,
                visitors=d.visitors,
                conversions=d.conversions,
                conversion_rate=d.conversion_rate * 100.0,
                confidence=c.z_test.confidence if c else 0.0,
                p_value=c.z_test.p_value if c else None,
                adjusted_p_value=c.adjusted_p_value if c else None,
                lift=_interval(c.relative_lift) if c else None,
                absolute_lift=_interval(c.absolute_lift) if c else None,
                chance_to_beat_control=c.bayesian.chance_to_beat_control * 100.0 if c else None,
                expected_loss=c.bayesian.expected_loss_treatment * 100.0 if c else None,
                sequential_p_value=c.sequential.p_value if c else None,
                revenue=RevenueOut(
                    total=d.revenue_sum,
                    per_visitor=d.revenue_per_visitor,
                    average_order_value=d.revenue_sum / d.conversions if d.conversions else 0.0,
                    p_value=c.revenue.p_value if c else None,
                    difference=_interval(c.revenue.interval, 1.0) if c else None,
                ),
            )
        )
    decision = analysis.winner
    winner = None
    if decision.winner is not None:
        w = rows[decision.winner]
        winner = WinnerOut(
            variant_id=w.variant_id,
            name=w.name,
            conversion_rate=w.conversion_rate,
            confidence=decision.confidence,
        )
    return GoalResultsOut(
        goal_id=goal.id if goal else None,
        goal_name=goal.name if goal else "Conversion",
        kind=goal.kind if goal else None,
        primary=primary,
        variants=rows,
        winner=winner,
        message=(
            f"{winner.name} wins with {winner.confidence:.1f}% confidence." if winner else NO_WINNER
        ),
    )


def _engagement(
    variants: list[Variant], visitors: dict[uuid.UUID, VariantTotals]
) -> list[EngagementOut]:
    out = []
    for v in variants:
        t = visitors.get(v.id, VariantTotals())
        out.append(
            EngagementOut(
                variant_id=v.id,
                avg_time_on_page_s=(t.time_on_page_ms / t.time_on_page_count / 1000.0)
                if t.time_on_page_count
                else None,
                bounce_rate=_pct(t.bounces, t.exits) if t.exits else None,
                page_views=t.page_views,
            )
        )
    return out


def _srm(variants: list[Variant], visitors: dict[uuid.UUID, VariantTotals]) -> SrmOut:
    observed = {v.key: visitors.get(v.id, VariantTotals()).visitors for v in variants}
    weights = [float(v.weight) for v in variants]
    check = stats.sample_ratio_mismatch(list(observed.values()), weights)
    message = None
    if check.mismatch:
        message = (
            "Sample ratio mismatch: the variants received visitors in proportions that differ "
            "from their weights far more than chance allows. Something is assigning or counting "
            "visitors unevenly (a redirect, a bot filter, an error in one variant); fix it before "
            "trusting these results."
        )
    total_w = sum(weights) or 1.0
    return SrmOut(
        p_value=check.p_value if sum(observed.values()) else None,
        mismatch=check.mismatch,
        message=message,
        expected_share={v.key: 100.0 * v.weight / total_w for v in variants},
        observed=observed,
    )


def _funnel(
    experiment: Experiment,
    variants: list[Variant],
    visitors: dict[uuid.UUID, VariantTotals],
    reached: dict[uuid.UUID, dict[int, int]],
) -> FunnelOut | None:
    steps = experiment.funnel_steps or []
    if not steps:
        return None
    out_steps = []
    for i, step in enumerate(steps, start=1):
        r = {v.key: reached.get(v.id, {}).get(i, 0) for v in variants}
        prev = (
            {v.key: visitors.get(v.id, VariantTotals()).visitors for v in variants}
            if i == 1
            else {v.key: reached.get(v.id, {}).get(i - 1, 0) for v in variants}
        )
        out_steps.append(
            FunnelStepOut(
                step=i,
                label=str(step.get("label", f"Step {i}")),
                reached=r,
                rate={
                    v.key: _pct(r[v.key], visitors.get(v.id, VariantTotals()).visitors)
                    for v in variants
                },
                drop_off={k: (100.0 - _pct(r[k], prev[k])) if prev[k] else 0.0 for k in r},
            )
        )
    last = len(steps)
    completion = {
        v.key: _pct(
            reached.get(v.id, {}).get(last, 0), visitors.get(v.id, VariantTotals()).visitors
        )
        for v in variants
    }
    return FunnelOut(steps=out_steps, completion=completion)


def results(session: Session, experiment: Experiment) -> ResultsOut:
    variants = sorted(experiment.variants, key=lambda v: (v.key != "control", v.position))
    visitors = repository.variant_totals(session, experiment.id)
    goals_totals = repository.goal_totals(session, experiment.id)
    goals = sorted(experiment.goals, key=lambda g: (not g.is_primary, g.position))
    primary_goal = goals[0] if goals and goals[0].is_primary else None
    primary = _goal_results(
        variants,
        visitors,
        goals_totals.get(primary_goal.id, {}) if primary_goal else {},
        goal=primary_goal,
        primary=True,
    )
    secondary = [
        _goal_results(variants, visitors, goals_totals.get(g.id, {}), goal=g, primary=False)
        for g in goals
        if g is not primary_goal
    ]
    start = experiment.started_at
    end = experiment.ended_at or utcnow()
    return ResultsOut(
        experiment_id=experiment.id,
        slug=experiment.slug,
        name=experiment.name,
        status=experiment.status,
        started_at=start,
        duration_days=max(0, (end - start).days) if start else 0,
        total_visitors=sum(t.visitors for t in visitors.values()),
        primary=primary,
        secondary=secondary,
        engagement=_engagement(variants, visitors),
        srm=_srm(variants, visitors),
        funnel=_funnel(
            experiment, variants, visitors, repository.funnel_totals(session, experiment.id)
        ),
        significance_reached_at=experiment.significance_reached_at,
    )


def timeline(session: Session, experiment: Experiment) -> TimelineOut:
    variants = sorted(experiment.variants, key=lambda v: (v.key != "control", v.position))
    primary_goal = next((g for g in experiment.goals if g.is_primary), None)
    rows = repository.daily_series(
        session, experiment.id, primary_goal.id if primary_goal else None
    )
    cum_n: dict[uuid.UUID, int] = dict.fromkeys((v.id for v in variants), 0)
    cum_x: dict[uuid.UUID, int] = dict.fromkeys((v.id for v in variants), 0)
    control = variants[0]
    points = []
    for row in rows:
        for v in variants:
            cum_n[v.id] += row.visitors.get(v.id, 0)
            cum_x[v.id] += row.conversions.get(v.id, 0)
        points.append(
            DailyPoint(
                day=row.day,
                visitors={v.key: row.visitors.get(v.id, 0) for v in variants},
                conversions={v.key: row.conversions.get(v.id, 0) for v in variants},
                cumulative_rate={v.key: _pct(cum_x[v.id], cum_n[v.id]) for v in variants},
                lift={
                    v.key: _interval(
                        stats.relative_lift_interval(
                            stats.VariantStats.clamped(cum_n[control.id], cum_x[control.id]),
                            stats.VariantStats.clamped(cum_n[v.id], cum_x[v.id]),
                        )
                    )
                    for v in variants
                    if v.id != control.id
                },
            )
        )
    return TimelineOut(
        experiment_id=experiment.id,
        goal_id=primary_goal.id if primary_goal else None,
        points=points,
    )


def record_significance(session: Session, experiment: Experiment, result: ResultsOut) -> bool:
    """The first time a winner reaches 95%: stamp it and write ``significance.reached`` to the
    outbox, in this transaction. Never again for this experiment, whatever happens later."""
    winner = result.primary.winner
    if winner is None or experiment.significance_reached_at is not None:
        return False
    # Claim the stamp with a conditional UPDATE so two concurrent readers cannot both fire it.
    now = utcnow()
    claim = session.execute(
        update(Experiment)
        .where(Experiment.id == experiment.id, Experiment.significance_reached_at.is_(None))
        .values(significance_reached_at=now)
    )
    claimed = cast(CursorResult[Any], claim).rowcount
    if claimed != 1:
        session.refresh(experiment)
        return False
    experiment.significance_reached_at = now
    project = session.get(Project, experiment.project_id)
    assert project is not None
    control = next(v for v in result.primary.variants if v.is_control)
    session.add(
        OutboxMessage(
            org_id=project.org_id,
            event="significance.reached",
            subject_id=experiment.id,
            payload={
                "event": "significance.reached",
                "team_id": str(project.org_id),
                "timestamp": now.isoformat().replace("+00:00", "Z"),
                "data": {
                    "experiment_id": str(experiment.id),
                    "experiment_name": experiment.name,
                    "experiment_slug": experiment.slug,
                    "project_id": str(project.id),
                    "winner_variant_id": str(winner.variant_id),
                    "winner_variant_name": winner.name,
                    "winner_conversion_rate": round(winner.conversion_rate, 4),
                    "control_conversion_rate": round(control.conversion_rate, 4),
                    "confidence": round(winner.confidence, 2),
                    "visitors": result.total_visitors,
                },
            },
        )
    )
    session.flush()
    return True


RANGES = {"7d": 7, "30d": 30, "90d": 90, "all": None}


def overview(
    session: Session,
    org_id: uuid.UUID,
    *,
    project_id: uuid.UUID | None = None,
    status: str | None = None,
    time_range: str = "all",
) -> OverviewOut:
    query = (
        select(Experiment, Project.name)
        .join(Project, Project.id == Experiment.project_id)
        .where(Project.org_id == org_id)
    )
    if project_id is not None:
        query = query.where(Experiment.project_id == project_id)
    all_rows = list(session.execute(query))
    counts = {
        s: sum(1 for e, _ in all_rows if e.status == s)
        for s in ("live", "paused", "archived", "draft")
    }
    rows = [(e, name) for e, name in all_rows if status is None or e.status == status]
    days = RANGES.get(time_range)
    since = (utcnow() - timedelta(days=days)).date() if days else None
    ids = [e.id for e, _ in rows]
    primaries = (
        {
            g.experiment_id: g.id
            for g in session.scalars(
                select(Goal).where(Goal.experiment_id.in_(ids), Goal.is_primary.is_(True))
            )
        }
        if ids
        else {}
    )
    visitors = repository.visitor_totals_for(session, ids, since)
    conversions = repository.conversion_totals_for(session, list(primaries.values()), since)
    out = []
    for e, name in rows:
        n = visitors.get(e.id, 0)
        x = conversions.get(primaries[e.id], 0) if e.id in primaries else 0
        out.append(
            OverviewRow(
                experiment_id=e.id,
                project_id=e.project_id,
                project_name=name,
                slug=e.slug,
                name=e.name,
                status=e.status,
                created_at=e.created_at,
                started_at=e.started_at,
                visitors=n,
                conversions=x,
                conversion_rate=_pct(x, n),
            )
        )
    out.sort(key=lambda r: r.created_at, reverse=True)
    return OverviewOut(
        total=len(all_rows),
        active=counts["live"],
        paused=counts["paused"],
        archived=counts["archived"],
        draft=counts["draft"],
        rows=out,
    )
