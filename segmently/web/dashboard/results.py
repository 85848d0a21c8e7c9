"""Pages: an experiment's results, and the cross-project analytics overview."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from segmently.analytics import service as analytics
from segmently.analytics.router import results_for
from segmently.experiments import service as experiments
from segmently.projects import service as projects
from segmently.web.dashboard.rendering import PagePrincipal, layout_context, render
from segmently.web.deps import DB

router = APIRouter()

SORTS = {
    "date": lambda r: r.created_at.timestamp(),
    "visitors": lambda r: r.visitors,
    "conversions": lambda r: r.conversions,
    "rate": lambda r: r.conversion_rate,
}


@router.get("/experiments/{experiment_id}/results")
def results_page(
    experiment_id: str, request: Request, db: DB, principal: PagePrincipal
) -> Response:
    experiment = experiments.get_experiment(db, principal.org.id, experiment_id)
    result = results_for(db, experiment)
    project = projects.get_project(db, principal.org.id, experiment.project_id)
    names = {v.key: v.name for v in result.primary.variants}
    return render(
        request,
        "results/experiment.html",
        layout_context(db, principal)
        | {"r": result, "project": project, "names_json": json.dumps(names)},
    )


@router.get("/analytics")
def overview_page(request: Request, db: DB, principal: PagePrincipal) -> Response:
    q = request.query_params
    project_list = projects.list_projects(db, principal.org.id)
    project_id = next((p.id for p in project_list if str(p.id) == q.get("project")), None)
    status = q.get("status") if q.get("status") in ("draft", "live", "paused", "archived") else None
    time_range = q.get("range") or "all"
    time_range = time_range if time_range in analytics.RANGES else "all"
    sort = q.get("sort") or "date"
    sort = sort if sort in SORTS else "date"
    data = analytics.overview(
        db, principal.org.id, project_id=project_id, status=status, time_range=time_range
    )
    data.rows.sort(key=SORTS[sort], reverse=True)
    return render(
        request,
        "results/overview.html",
        layout_context(db, principal)
        | {
            "data": data,
            "projects": project_list,
            "selected": {
                "project": str(project_id) if project_id else "",
                "status": status or "",
                "range": time_range,
                "sort": sort,
            },
        },
    )
