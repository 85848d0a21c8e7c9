"""Pages: projects list, project page (install snippet, guides), project settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from segmently.auth.service import Principal
from segmently.db.models import Project
from segmently.errors import DomainError
from segmently.projects import service
from segmently.projects.snippet import data_attribute_tag, script_tag
from segmently.web.dashboard.experiments import experiments_context
from segmently.web.dashboard.rendering import (
    PagePrincipal,
    form_with_csrf,
    layout_context,
    redirect,
    render,
)
from segmently.web.deps import DB

router = APIRouter()


def _projects_page(
    request: Request,
    db: DB,
    principal: Principal,
    *,
    error: DomainError | None,
    form: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    quota = service.quota(db, principal.org)
    items = [
        (p, service.active_key(db, p).key) for p in service.list_projects(db, principal.org.id)
    ]
    return render(
        request,
        "projects.html",
        layout_context(db, principal)
        | {
            "projects": items,
            "quota": quota,
            "error": error,
            "form": form,
            "welcome": request.query_params.get("welcome"),
        },
        status_code=status_code,
    )


@router.get("/projects")
def projects_page(request: Request, db: DB, principal: PagePrincipal) -> Response:
    return _projects_page(request, db, principal, error=None, form={})


@router.post("/projects")
async def projects_create(request: Request, db: DB, principal: PagePrincipal) -> Response:
    form = await form_with_csrf(request)
    try:
        project = service.create_project(
            db, principal.org, name=form.get("name", ""), base_url=form.get("base_url")
        )
    except DomainError as exc:
        db.rollback()
        return _projects_page(request, db, principal, error=exc, form=form, status_code=422)
    return redirect(f"/projects/{project.id}")


def _load(db: DB, principal: Principal, project_id: str) -> Project:
    return service.get_project(db, principal.org.id, project_id)


@router.get("/projects/{project_id}")
def project_page(project_id: str, request: Request, db: DB, principal: PagePrincipal) -> Response:
    project = _load(db, principal, project_id)
    base = request.app.state.settings.server.base_url
    key = service.active_key(db, project).key
    return render(
        request,
        "project.html",
        layout_context(db, principal)
        | {
            "project": project,
            "api_key": key,
            "snippet": script_tag(base, key),
            "snippet_attr": data_attribute_tag(base, key),
            "base_url": base,
            "deleted": request.query_params.get("deleted"),
        }
        | experiments_context(db, principal, project),
    )


def _settings_page(
    request: Request,
    db: DB,
    principal: Principal,
    project: Project,
    *,
    error: DomainError | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "project_settings.html",
        layout_context(db, principal)
        | {
            "project": project,
            "api_key": service.active_key(db, project).key,
            "error": error,
            "saved": saved,
        },
        status_code=status_code,
    )


@router.get("/projects/{project_id}/settings")
def settings_page(project_id: str, request: Request, db: DB, principal: PagePrincipal) -> Response:
    project = _load(db, principal, project_id)
    return _settings_page(request, db, principal, project, saved=request.query_params.get("saved"))


@router.post("/projects/{project_id}/settings")
async def settings_submit(
    project_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    form = await form_with_csrf(request)
    project = _load(db, principal, project_id)
    conversion_urls = [
        line.strip() for line in form.get("conversion_urls", "").splitlines() if line.strip()
    ]
    try:
        service.update_project(
            db,
            project,
            name=form.get("name", ""),
            base_url=form.get("base_url", ""),
            clear_base_url=True,
            settings={
                "cookie_mode": form.get("cookie_mode") == "on",
                "conversion_urls": conversion_urls,
            },
        )
    except DomainError as exc:
        db.rollback()
        db.refresh(project)
        return _settings_page(request, db, principal, project, error=exc, status_code=422)
    return redirect(f"/projects/{project.id}/settings?saved=settings")


@router.post("/projects/{project_id}/regenerate-key")
async def regenerate_key(
    project_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    await form_with_csrf(request)
    project = _load(db, principal, project_id)
    service.regenerate_key(db, project)
    return redirect(f"/projects/{project.id}/settings?saved=key")


@router.post("/projects/{project_id}/delete")
async def delete_project(
    project_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    form = await form_with_csrf(request)
    project = _load(db, principal, project_id)
    try:
        service.delete_project(db, project, confirm=form.get("confirm", ""))
    except DomainError as exc:
        return _settings_page(request, db, principal, project, error=exc, status_code=422)
    return redirect("/projects")
