"""The management API (Enterprise): ``/api/v1/manage/…`` with a ``seg_mgmt_`` key.

It calls the same services as the dashboard.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from segmently.auth.management import CurrentManager
from segmently.experiments import lifecycle, service
from segmently.experiments.presenters import experiment_out, experiment_summary
from segmently.experiments.schemas import (
    ExperimentConfigIn,
    ExperimentList,
    ExperimentOut,
    ExperimentPatch,
    ManagedExperimentIn,
)
from segmently.experiments.service import Actor
from segmently.projects import service as projects
from segmently.web.deps import DB

router = APIRouter(prefix="/api/v1/manage", tags=["management"])


class ManagedProject(BaseModel):
    id: uuid.UUID
    name: str
    base_url: str | None


class ManagedProjects(BaseModel):
    items: list[ManagedProject]


def _actor(caller: CurrentManager) -> Actor:
    return Actor(label=caller.label)


@router.get("/projects", response_model=ManagedProjects)
def list_projects(caller: CurrentManager, db: DB) -> ManagedProjects:
    return ManagedProjects(
        items=[
            ManagedProject(id=p.id, name=p.name, base_url=p.base_url)
            for p in projects.list_projects(db, caller.org.id)
        ]
    )


@router.get("/experiments", response_model=ExperimentList)
def list_experiments(
    caller: CurrentManager, db: DB, project_id: uuid.UUID | None = Query(default=None)
) -> ExperimentList:
    if project_id is not None:
        projects.get_project(db, caller.org.id, project_id)
    return ExperimentList(
        items=[
            experiment_summary(e) for e in service.list_experiments(db, caller.org.id, project_id)
        ]
    )


@router.post("/experiments", status_code=201, response_model=ExperimentOut)
def create_experiment(body: ManagedExperimentIn, caller: CurrentManager, db: DB) -> ExperimentOut:
    project = projects.get_project(db, caller.org.id, body.project_id)
    config = ExperimentConfigIn.model_validate(body.model_dump(exclude={"project_id"}))
    return experiment_out(
        service.create_experiment(db, caller.org, project, config, _actor(caller))
    )


@router.get("/experiments/{experiment_id}", response_model=ExperimentOut)
def get_experiment(experiment_id: uuid.UUID, caller: CurrentManager, db: DB) -> ExperimentOut:
    return experiment_out(service.get_experiment(db, caller.org.id, experiment_id))


@router.put("/experiments/{experiment_id}", response_model=ExperimentOut)
def replace_experiment(
    experiment_id: uuid.UUID, body: ExperimentConfigIn, caller: CurrentManager, db: DB
) -> ExperimentOut:
    experiment = service.get_experiment(db, caller.org.id, experiment_id)
    return experiment_out(service.replace_config(db, caller.org, experiment, body, _actor(caller)))


@router.patch("/experiments/{experiment_id}", response_model=ExperimentOut)
def patch_experiment(
    experiment_id: uuid.UUID, body: ExperimentPatch, caller: CurrentManager, db: DB
) -> ExperimentOut:
    experiment = service.get_experiment(db, caller.org.id, experiment_id)
    if body.status is not None:
        wanted = "live" if body.status == "active" else body.status
        if wanted != experiment.status:
            action = lifecycle.action_for_status(experiment.status, wanted)
            service.transition(db, caller.org, experiment, action, _actor(caller))
    if body.traffic_percentage is not None:
        service.set_traffic(db, experiment, body.traffic_percentage, _actor(caller))
    return experiment_out(experiment)


@router.delete("/experiments/{experiment_id}", status_code=204)
def delete_experiment(experiment_id: uuid.UUID, caller: CurrentManager, db: DB) -> Response:
    experiment = service.get_experiment(db, caller.org.id, experiment_id)
    service.delete_experiment(db, experiment, _actor(caller))
    return Response(status_code=204)
