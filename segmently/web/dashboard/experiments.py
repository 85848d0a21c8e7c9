"""Pages: the project's experiments list, the experiment page, and the create/edit wizard.

The wizard is a TypeScript island (``ts/wizard.ts``) that posts the full configuration to the
JSON API; the quick actions and deletion are plain forms handled here. Both call the services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from segmently.analytics import repository as analytics_repository
from segmently.auth.service import Principal
from segmently.db.models import Experiment, Project
from segmently.errors import DomainError
from segmently.experiments import lifecycle, service
from segmently.experiments.presenters import experiment_out
from segmently.experiments.router import user_actor
from segmently.experiments.validation import DELAY_PRESETS
from segmently.orgs import service as orgs
from segmently.projects import service as projects
from segmently.web.dashboard.rendering import (
    PagePrincipal,
    form_with_csrf,
    layout_context,
    redirect,
    render,
)
from segmently.web.deps import DB
from segmently.web.errors import status_for

router = APIRouter()

# Quick actions as the spec's three-dot menu lists them, in its order.
ACTION_LABELS = {
    "start": "Start",
    "pause": "Pause",
    "resume": "Resume",
    "archive": "Archive",
    "reinstate": "Reinstate",
}
CHANGE_LABELS = {
    "hide": "Hide element",
    "remove": "Remove element",
    "text": "Replace text",
    "html": "Replace HTML",
    "attribute": "Set attribute",
    "css": "Custom CSS",
    "js": "Custom JavaScript",
}
GOAL_LABELS = {
    "click": "Click element",
    "form_submit": "Form submit",
    "page_view": "Page view",
    "custom_event": "Custom event",
}
DELAY_NAMES = {v: k.capitalize() for k, v in DELAY_PRESETS.items()}


@dataclass(frozen=True)
class Row:
    """One experiment as the project page lists it."""

    experiment: Experiment
    actions: list[tuple[str, str]]
    editable: bool


def preview_url(base_url: str | None, slug: str, variant_id: object) -> str | None:
    """``<base_url>?segmently_preview=<slug>:<variant-id>`` (spec: "How to Test Funnel Goals")."""
    if not base_url:
        return None
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}{urlencode({'segmently_preview': f'{slug}:{variant_id}'}, safe=':')}"


def _actions(status: str) -> list[tuple[str, str]]:
    return [(a, ACTION_LABELS[a]) for a in lifecycle.allowed_actions(status)]


def experiments_context(db: DB, principal: Principal, project: Project) -> dict[str, Any]:
    """What the project page's experiments block needs."""
    rows = [
        Row(
            experiment=e,
            actions=_actions(e.status),
            editable=e.status in lifecycle.EDITABLE,
        )
        for e in service.list_experiments(db, principal.org.id, project.id)
    ]
    visitors = analytics_repository.visitor_totals_for(db, [r.experiment.id for r in rows], None)
    return {
        "visitors": visitors,
        "active_rows": [r for r in rows if r.experiment.status != "archived"],
        "archived_rows": [r for r in rows if r.experiment.status == "archived"],
        "experiment_quota": service.quota(db, principal.org),
        "can_schedule": orgs.plan_of(principal.org).scheduling,
    }


def _plan_flags(principal: Principal) -> dict[str, bool]:
    plan = orgs.plan_of(principal.org)
    return {
        "funnels": plan.funnels,
        "scheduling": plan.scheduling,
        "slack": plan.slack,
        "ga4_mixpanel": plan.ga4_mixpanel,
        "experiment_webhooks": plan.experiment_webhooks,
    }


def _experiment_page(
    request: Request,
    db: DB,
    principal: Principal,
    experiment: Experiment,
    *,
    error: DomainError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    project = projects.get_project(db, principal.org.id, experiment.project_id)
    previews = {
        v.id: preview_url(project.base_url, experiment.slug, v.id) for v in experiment.variants
    }
    return render(
        request,
        "experiments/detail.html",
        layout_context(db, principal)
        | {
            "project": project,
            "experiment": experiment,
            "actions": _actions(experiment.status),
            "editable": experiment.status in lifecycle.EDITABLE,
            "previews": previews,
            "audit": service.audit_trail(db, experiment),
            "change_labels": CHANGE_LABELS,
            "goal_labels": GOAL_LABELS,
            "delay_name": DELAY_NAMES.get(experiment.activation_delay_ms, "Custom"),
            "error": error,
            "saved": request.query_params.get("saved"),
        },
        status_code=status_code,
    )


@router.get("/experiments/{experiment_id}")
def experiment_page(
    experiment_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    return _experiment_page(request, db, principal, experiment)


def _wizard(
    request: Request,
    db: DB,
    principal: Principal,
    project: Project,
    experiment: Experiment | None,
) -> HTMLResponse:
    data: dict[str, Any] = {
        "mode": "edit" if experiment else "create",
        "project_id": str(project.id),
        "base_url": project.base_url or "",
        "plan": orgs.plan_of(principal.org).name,
        "features": _plan_flags(principal),
        "experiment": experiment_out(experiment).model_dump(mode="json") if experiment else None,
    }
    return render(
        request,
        "experiments/wizard.html",
        layout_context(db, principal)
        | {
            "project": project,
            "experiment": experiment,
            # Safe inside <script type="application/json">: no "<" can open or close a tag.
            "wizard_json": json.dumps(data).replace("<", "\\u003c"),
        },
    )


@router.get("/projects/{project_id}/experiments/new")
def new_experiment(project_id: str, request: Request, db: DB, principal: PagePrincipal) -> Response:
    project = projects.get_project(db, principal.org.id, project_id)
    quota = service.quota(db, principal.org)
    if not quota.can_create:
        return render(
            request,
            "error.html",
            layout_context(db, principal) | {"message": quota.reason},
            status_code=402,
        )
    return _wizard(request, db, principal, project, None)


@router.get("/experiments/{experiment_id}/edit")
def edit_experiment(
    experiment_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    try:
        lifecycle.check_editable(experiment.status)
    except DomainError as exc:
        return _experiment_page(request, db, principal, experiment, error=exc, status_code=409)
    project = projects.get_project(db, principal.org.id, experiment.project_id)
    return _wizard(request, db, principal, project, experiment)


def _local_path(value: str | None, default: str) -> str:
    """Only same-site paths are followed after a form post (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


@router.post("/experiments/{experiment_id}/transition")
async def transition(
    experiment_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    form = await form_with_csrf(request)
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    action = form.get("action", "")
    if action not in lifecycle.TRANSITIONS:
        return _experiment_page(
            request,
            db,
            principal,
            experiment,
            error=DomainError(f"Unknown action {action[:40]!r}."),
            status_code=422,
        )
    try:
        service.transition(db, principal.org, experiment, action, user_actor(principal))
    except DomainError as exc:
        db.rollback()
        db.refresh(experiment)
        return _experiment_page(
            request, db, principal, experiment, error=exc, status_code=status_for(exc)
        )
    return redirect(_local_path(form.get("next"), f"/experiments/{experiment.id}"))


@router.post("/experiments/{experiment_id}/delete")
async def delete(
    experiment_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    form = await form_with_csrf(request)
    experiment = service.get_experiment(db, principal.org.id, experiment_id)
    project_id = experiment.project_id
    try:
        service.delete_experiment(
            db, experiment, user_actor(principal), confirm=form.get("confirm", "")
        )
    except DomainError as exc:
        return _experiment_page(
            request, db, principal, experiment, error=exc, status_code=status_for(exc)
        )
    return redirect(f"/projects/{project_id}?deleted=1")
