"""Results endpoints for dashboard users and management keys, and the cross-project overview."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from segmently.analytics import service
from segmently.analytics.export import results_csv
from segmently.analytics.schemas import OverviewOut, ResultsOut, TimelineOut
from segmently.auth.dependencies import CurrentPrincipal
from segmently.auth.management import CurrentManager
from segmently.db.models import Experiment
from segmently.experiments import service as experiments
from segmently.web.deps import DB

router = APIRouter(prefix="/api/v1", tags=["results"])


def results_for(db: Session, experiment: Experiment) -> ResultsOut:
    result = service.results(db, experiment)
    service.record_significance(db, experiment, result)
    result.significance_reached_at = experiment.significance_reached_at
    return result


@router.get("/experiments/{experiment_id}/results", response_model=ResultsOut)
def results(experiment_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> ResultsOut:
    return results_for(db, experiments.get_experiment(db, principal.org.id, experiment_id))


@router.get("/experiments/{experiment_id}/timeline", response_model=TimelineOut)
def timeline(experiment_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> TimelineOut:
    return service.timeline(db, experiments.get_experiment(db, principal.org.id, experiment_id))


@router.get(
    "/experiments/{experiment_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def results_export(experiment_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> Response:
    experiment = experiments.get_experiment(db, principal.org.id, experiment_id)
    body = results_csv(results_for(db, experiment), service.timeline(db, experiment))
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{experiment.slug}-results.csv"'},
    )


@router.get(
    "/manage/experiments/{experiment_id}/results", response_model=ResultsOut, tags=["management"]
)
def managed_results(experiment_id: uuid.UUID, caller: CurrentManager, db: DB) -> ResultsOut:
    return results_for(db, experiments.get_experiment(db, caller.org.id, experiment_id))


@router.get("/analytics/overview", response_model=OverviewOut)
def overview(
    principal: CurrentPrincipal,
    db: DB,
    project_id: uuid.UUID | None = Query(default=None),
    status: Literal["draft", "live", "paused", "archived"] | None = Query(default=None),
    time_range: Literal["7d", "30d", "90d", "all"] = Query(default="all", alias="range"),
) -> OverviewOut:
    return service.overview(
        db, principal.org.id, project_id=project_id, status=status, time_range=time_range
    )
