from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from segmently.web.errors import error_body

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Process up and database reachable: 200, otherwise 503 (for load balancers)."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse(
            error_body("database_unavailable", "The database cannot be reached."),
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok", "database": "ok"})
