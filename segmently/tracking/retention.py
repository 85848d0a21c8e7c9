"""Raw events older than the plan's retention window are deleted (a periodic job).

The spec: "experiment data is automatically purged after each tier's retention window" (Free 3
days … Enterprise 1 year). What goes is the event log, the only place that keeps what a visitor
did (pages, values, event data). Results do not need it: they come from the per-visitor
conversions and per-day aggregates written with each event, so an experiment's numbers stay as
they were. Each run deletes a bounded number of rows, in small transactions' worth of batches
by ``(project_id, occurred_at)`` (an index), and the next run continues where it stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from segmently.core.plans import plan_for
from segmently.db.models import Event, Organization, Project
from segmently.kit.clock import utcnow

BATCH = 5_000
MAX_ROWS_PER_RUN = 100_000


def purge_expired_events(session: Session, now: datetime | None = None) -> int:
    """Delete events that left their project's retention window; return how many."""
    now = now or utcnow()
    projects = session.execute(
        select(Project.id, Organization.tier).join(Organization, Organization.id == Project.org_id)
    ).all()
    deleted = 0
    for project_id, tier in projects:
        cutoff = now - timedelta(days=plan_for(tier).retention_days)
        while deleted < MAX_ROWS_PER_RUN:
            batch = (
                select(Event.id)
                .where(Event.project_id == project_id, Event.occurred_at < cutoff)
                .limit(BATCH)
                .scalar_subquery()
            )
            result = session.execute(delete(Event).where(Event.id.in_(batch)))
            gone = int(result.rowcount or 0)  # type: ignore[attr-defined]
            deleted += gone
            if gone < BATCH:
                break
    return deleted
