"""JSON endpoints for experiments (dashboard users) and the public compiled config."""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel

from segmently.auth.dependencies import CurrentPrincipal
from segmently.auth.service import Principal
from segmently.errors import Unauthorized
from segmently.experiments import compiler, service
from segmently.experiments.presenters import experiment_out, experiment_summary
from segmently.experiments.schemas import (
    AuditOut,
    ExperimentConfigIn,
    ExperimentList,
    ExperimentOut,
    TransitionIn,
)
from segmently.experiments.service import Actor
from segmently.projects import service as projects
from segmently.projects.router import BAD_KEY
from segmently.web.deps import DB

router = APIRouter(prefix="/api/v1", tags=["experiments"])


def user_actor(principal: Principal) -> Actor:
    return Actor(label=f"{principal.user.name} <{principal.user.email}>", user_id=principal.user.id)


class ProjectExperiments(ExperimentList):
    usage: str
    can_create: bool
    limit_reason: str | None


@router.get("/projects/{project_id}/experiments", response_model=ProjectExperiments)
def list_experiments(
    project_id: uuid.UUID, principal: CurrentPrincipal, db: DB
) -> ProjectExperiments:
    project = projects.get_project(db, principal.org.id, project_id)
    q = service.quota(db, principal.org)
    return ProjectExperiments(
        items=[
            experiment_summary(e)
            for e in service.list_experiments(db, principal.org.id, project.id)
        ],
        usage=q.label,
        can_create=q.can_create,
        limit_reason=q.reason,
    )


@router.post("/projects/{project_id}/experiments", status_code=201, response_model=ExperimentOut)
def create_experiment(
    project_id: uuid.UUID, body: ExperimentConfigIn, principal: CurrentPrincipal, db: DB
) -> ExperimentOut:
    project = projects.get_project(db, principal.org.id, project_id)
    experiment = service.create_experiment(db, principal.org, project, body, user_actor(principal))
    return experiment_out(experiment)


@router.get("/experiments/{experiment_id}", response_model=ExperimentOut)
def get_experiment(experiment_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> ExperimentOut:
    return experiment_out(service.get_experiment(db, principal.org.id, experiment_id))


@router.put("/experiments/{experiment_id}", response_model=ExperimentOut)
def replace_experiment(
    experiment_id: uuid.UUID, body: ExperimentConfigIn, principal: CurrentPrincipal, db: DB
) -> ExperimentOut:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    service.replace_config(db, principal.org, experiment, body, user_actor(principal))
    return experiment_out(experiment)


@router.post("/experiments/{experiment_id}/transitions", response_model=ExperimentOut)
def transition(
    experiment_id: uuid.UUID, body: TransitionIn, principal: CurrentPrincipal, db: DB
) -> ExperimentOut:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    service.transition(db, principal.org, experiment, body.action, user_actor(principal))
    return experiment_out(experiment)


@router.delete("/experiments/{experiment_id}", status_code=204)
def delete_experiment(
    experiment_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: DB,
    confirm: str = Query(max_length=1000, description="The experiment's slug, typed exactly."),
) -> Response:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    service.delete_experiment(db, experiment, user_actor(principal), confirm=confirm)
    return Response(status_code=204)


@router.get("/experiments/{experiment_id}/audit", response_model=list[AuditOut])
def audit(experiment_id: uuid.UUID, principal: CurrentPrincipal, db: DB) -> list[AuditOut]:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    return [
        AuditOut(at=a.created_at, actor=a.actor, action=a.action, detail=a.detail)
        for a in service.audit_trail(db, experiment)
    ]


class ConfigOut(BaseModel):
    version: int
    project: str
    badge: bool
    cookie: bool
    experiments: list[dict[str, object]]


@router.get("/config", response_model=ConfigOut, tags=["public"])
def project_config(
    request: Request,
    db: DB,
    x_api_key: str | None = Header(default=None, max_length=200),
    preview: str | None = Query(
        default=None, max_length=300, description="slug:variant-id of a previewed experiment"
    ),
    if_none_match: str | None = Header(default=None, max_length=200),
) -> Response:
    """The compiled config of the key's project (ETag; drafts only in preview requests)."""
    project = projects.project_for_key(db, x_api_key)
    if project is None:
        raise Unauthorized(BAD_KEY, code="invalid_api_key")
    if preview:
        slug, _, variant = preview.partition(":")
        row = compiler.current(db, project)
        document = compiler.build_document(db, project, preview=(slug, variant)) | {
            "version": row.version
        }
        return Response(
            content=json.dumps(document, separators=(",", ":")),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
    cached = request.app.state.config_cache.get(db, project)
    headers = {"ETag": cached.etag, "Cache-Control": "public, max-age=60"}
    if if_none_match and cached.etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(content=cached.body, media_type="application/json", headers=headers)
