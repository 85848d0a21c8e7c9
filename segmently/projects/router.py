"""JSON endpoints for projects and their API keys; every query is scoped to the caller's org."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy.orm import Session

from segmently.auth.dependencies import CurrentPrincipal
from segmently.db.models import Project
from segmently.errors import Unauthorized
from segmently.projects import service
from segmently.projects.schemas import (
    KeyCheckOut,
    ProjectIn,
    ProjectList,
    ProjectOut,
    ProjectPatch,
)
from segmently.projects.snippet import script_tag
from segmently.web.deps import DB, AppSettings

router = APIRouter(prefix="/api/v1", tags=["projects"])

BAD_KEY = "Missing or invalid API key."


def project_out(db: Session, base_url: str, project: Project) -> ProjectOut:
    key = service.active_key(db, project).key
    return ProjectOut(
        id=project.id,
        name=project.name,
        base_url=project.base_url,
        settings=project.settings,
        api_key=key,
        snippet=script_tag(base_url, key),
        created_at=project.created_at,
    )


@router.get("/projects", response_model=ProjectList)
def list_projects(principal: CurrentPrincipal, db: DB, settings: AppSettings) -> ProjectList:
    base = settings.server.base_url
    quota = service.quota(db, principal.org)
    return ProjectList(
        items=[project_out(db, base, p) for p in service.list_projects(db, principal.org.id)],
        usage=quota.label,
        can_create=quota.can_create,
        limit_reason=quota.reason,
    )


@router.post("/projects", status_code=201, response_model=ProjectOut)
def create_project(
    body: ProjectIn, principal: CurrentPrincipal, db: DB, settings: AppSettings
) -> ProjectOut:
    project = service.create_project(db, principal.org, name=body.name, base_url=body.base_url)
    return project_out(db, settings.server.base_url, project)


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(
    project_id: uuid.UUID, principal: CurrentPrincipal, db: DB, settings: AppSettings
) -> ProjectOut:
    project = service.get_project(db, principal.org.id, project_id)
    return project_out(db, settings.server.base_url, project)


@router.patch("/projects/{project_id}", response_model=ProjectOut)
def update_project(
    project_id: uuid.UUID,
    body: ProjectPatch,
    principal: CurrentPrincipal,
    db: DB,
    settings: AppSettings,
) -> ProjectOut:
    project = service.get_project(db, principal.org.id, project_id)
    service.update_project(
        db,
        project,
        name=body.name,
        base_url=body.base_url,
        settings=body.settings,
        clear_base_url="base_url" in body.model_fields_set and body.base_url is None,
    )
    return project_out(db, settings.server.base_url, project)


@router.delete("/projects/{project_id}", status_code=204)
def delete_project(
    project_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: DB,
    confirm: str = Query(
        max_length=1000, description="The project's name, typed exactly, to confirm."
    ),
) -> Response:
    project = service.get_project(db, principal.org.id, project_id)
    service.delete_project(db, project, confirm=confirm)
    return Response(status_code=204)


@router.post("/projects/{project_id}/api-key/regenerate", response_model=ProjectOut)
def regenerate_key(
    project_id: uuid.UUID, principal: CurrentPrincipal, db: DB, settings: AppSettings
) -> ProjectOut:
    project = service.get_project(db, principal.org.id, project_id)
    service.regenerate_key(db, project)
    return project_out(db, settings.server.base_url, project)


@router.get("/project", response_model=KeyCheckOut, tags=["public"])
def project_for_key(
    db: DB, x_api_key: str | None = Header(default=None, max_length=200)
) -> KeyCheckOut:
    """Which project a publishable key belongs to (installation check)."""
    project = service.project_for_key(db, x_api_key)
    if project is None:
        raise Unauthorized(BAD_KEY, code="invalid_api_key")
    return KeyCheckOut(project_id=project.id, project_name=project.name)
