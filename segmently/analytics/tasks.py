"""Periodic analytics work: notice when a live experiment first reaches significance."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from segmently.analytics import service
from segmently.db.models import Experiment


def significance_scan(session: Session) -> int:
    """Check every live experiment that has not reached significance yet; return how many did."""
    fired = 0
    experiments = session.scalars(
        select(Experiment)
        .where(Experiment.status == "live", Experiment.significance_reached_at.is_(None))
        .options(selectinload(Experiment.variants), selectinload(Experiment.goals))
    )
    for experiment in experiments:
        if service.record_significance(session, experiment, service.results(session, experiment)):
            fired += 1
    return fired
