"""``GET /api/v1/editor/probe``: can the dashboard frame this page, and is the snippet on it?"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from segmently.auth.dependencies import CurrentPrincipal
from segmently.editor import service
from segmently.editor.schemas import ProbeOut
from segmently.editor.settings import EditorSettings

router = APIRouter(prefix="/api/v1/editor", tags=["visual editor"])


def _settings(request: Request) -> EditorSettings:
    settings = getattr(request.app.state, "editor_settings", None)
    if settings is None:
        settings = request.app.state.editor_settings = EditorSettings()
    return settings


@router.get("/probe", response_model=ProbeOut)
async def probe(
    request: Request,
    principal: CurrentPrincipal,
    url: str = Query(max_length=2048, description="The page to edit, http(s)."),
) -> ProbeOut:
    """Fetch the page server-side (public addresses only unless
    ``SEGMENTLY_EDITOR_ALLOW_PRIVATE_URLS``) and report X-Frame-Options / CSP frame blocks and
    whether its HTML includes the snippet."""
    settings = _settings(request)
    result = await run_in_threadpool(
        service.probe,
        url,
        dashboard_url=request.app.state.settings.server.base_url,
        allow_private=settings.editor_allow_private_urls,
        timeout=settings.editor_probe_timeout,
    )
    return ProbeOut(**result.__dict__)
