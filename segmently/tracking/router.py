"""The public ingestion endpoints: ``/assign``, ``/events/track``, ``/events/batch``.

Every answer, errors included, carries open CORS headers: these endpoints are called from
customers' pages on any origin (and only these; the rest of the API stays same-origin).
The handlers read the raw body themselves so that ``text/plain`` (``navigator.sendBeacon``),
gzip and per-event rejection work; ``schemas.py`` documents the shapes.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool

from segmently.errors import DomainError, RateLimited, Unauthorized
from segmently.tracking import service
from segmently.tracking.catalog import NeedsDatabase
from segmently.tracking.ratelimit import IngestLimiter, IngestSettings
from segmently.tracking.schemas import AssignIn, AssignOut, BatchIn, EventIn, IngestOut
from segmently.tracking.service import Ingestion, RequestInfo
from segmently.tracking.validation import MAX_BODY_BYTES, BadRequest
from segmently.tracking.writer import GroupCommitWriter, Overloaded, StorageUnavailable
from segmently.web.deps import client_ip
from segmently.web.errors import error_body, status_for

router = APIRouter(prefix="/api/v1", tags=["tracking"])

RETRY_AFTER_UNAVAILABLE = "2"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Retry-After",
    "X-Content-Type-Options": "nosniff",
}
PREFLIGHT = CORS | {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Content-Encoding, X-API-Key",
    "Access-Control-Max-Age": "86400",
}
_lock = threading.Lock()


class _JSON(Response):
    """The answers every visitor's page waits for, written by orjson (in C)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ingestion(app: FastAPI) -> Ingestion:
    """The app's writer, limiter and catalog cache, built on first use."""
    existing: Ingestion | None = getattr(app.state, "ingestion", None)
    if existing is not None:
        return existing
    with _lock:
        existing = getattr(app.state, "ingestion", None)
        if existing is None:
            settings = app.state.settings
            rates = IngestSettings()
            existing = Ingestion(
                sessions=app.state.sessions,
                # One writer thread on both databases: on PostgreSQL a second one measured
                # slower, its groups waiting on the first's locks of the per-day rows.
                writer=GroupCommitWriter(app.state.sessions),
                limiter=IngestLimiter(
                    rates.ingest_rate_per_ip, rates.ingest_rate_per_key, settings.redis.redis_url
                ),
                bench_endpoint=rates.ingest_bench_endpoint,
            )
            app.state.ingestion = existing
    return existing


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON error shape, with the open CORS headers every ingestion answer carries."""
    return JSONResponse(
        error_body(code, message, field), status_code=status, headers=CORS | (headers or {})
    )


def _unavailable() -> JSONResponse:
    return error_response(
        503,
        "database_unavailable",
        "Events cannot be stored right now; nothing was stored. Retry with the same event ids.",
        headers={"Retry-After": RETRY_AFTER_UNAVAILABLE},
    )


async def _read(request: Request, ing: Ingestion) -> RequestInfo:
    ip = client_ip(request)
    ing.limiter.hit_ip(ip)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(413, "payload_too_large", f"The body is over {MAX_BODY_BYTES // 1024} KB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(
                413, "payload_too_large", f"The body is over {MAX_BODY_BYTES // 1024} KB."
            )
        chunks.append(chunk)
    return RequestInfo(
        body=b"".join(chunks),
        content_type=request.headers.get("content-type"),
        content_encoding=request.headers.get("content-encoding"),
        header_key=request.headers.get("x-api-key"),
        # Parsed only when there is a query string (``sendBeacon`` puts the key there).
        query_key=request.query_params.get("api_key") if request.scope["query_string"] else None,
        ip=ip,
    )


async def _guarded(handler: Any) -> Response:
    """Run ``handler`` and turn every expected failure into its JSON answer (with CORS)."""
    try:
        result: Response = await handler()
        return result
    except BadRequest as exc:
        return error_response(exc.status, exc.code, exc.message, exc.field)
    except RateLimited as exc:
        return error_response(
            429, exc.code, exc.message, exc.field, headers={"Retry-After": str(exc.retry_after)}
        )
    except Unauthorized as exc:
        return error_response(401, exc.code, exc.message, exc.field)
    except DomainError as exc:
        return error_response(status_for(exc), exc.code, exc.message, exc.field)
    except (StorageUnavailable, Overloaded, sa_exc.OperationalError, sa_exc.InterfaceError):
        return _unavailable()


async def _ingest(request: Request, *, batch: bool, store: bool = True) -> Response:
    ing = ingestion(request.app)

    async def handle() -> Response:
        info = await _read(request, ing)
        try:  # with the key's catalog cached, nothing here waits for the database
            prepared = service.prepare_events(ing, info, batch=batch, allow_db=False)
        except NeedsDatabase:
            prepared = await run_in_threadpool(service.prepare_events, ing, info, batch=batch)
        if not batch and prepared.rejected:
            rej = prepared.rejected[0]
            return error_response(422, "invalid_event", rej.reason, rej.field)
        if store:  # even with no valid event: the key is checked in the transaction
            await ing.writer.submit(prepared.work)
            if prepared.work.unauthorized:
                ing.catalogs.forget(prepared.work.api_key)
                raise Unauthorized(service.BAD_KEY, code="invalid_api_key")
        else:  # the benchmark's framework ceiling: everything but the storage
            prepared.work.inserted = [True] * len(prepared.work.events)
        body = service.summary(prepared)
        if not batch:
            body["event_id"] = prepared.work.events[0].event_id
        return _JSON(body, headers=CORS)

    return await _guarded(handle)


def _body_doc(model: type[Any]) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}, "text/plain": {"schema": schema}},
        }
    }


@router.post(
    "/events/track",
    response_model=IngestOut,
    openapi_extra=_body_doc(EventIn),
    summary="Track one event",
)
async def track(request: Request) -> Response:
    """Store one event; the answer comes after it is committed. Key: `X-API-Key` header, or
    `api_key` in the body or the query string."""
    return await _ingest(request, batch=False)


@router.post(
    "/events/batch",
    response_model=IngestOut,
    openapi_extra=_body_doc(BatchIn),
    summary="Track up to 500 events",
)
async def batch(request: Request) -> Response:
    """Store the valid events of a batch (committed before the answer); invalid ones are listed
    in `rejected`, replays of stored `event_id`s are counted in `duplicates`."""
    return await _ingest(request, batch=True)


@router.post(
    "/experiments/{slug}/assign",
    response_model=AssignOut,
    openapi_extra=_body_doc(AssignIn),
    summary="Assign a visitor to a variant (server-side)",
)
async def assign(slug: str, request: Request) -> Response:
    """The visitor's variant and its changes, or why the visitor is not in the experiment.
    The first assignment is stored; later calls (and concurrent ones) return the same variant."""
    ing = ingestion(request.app)

    async def handle() -> Response:
        info = await _read(request, ing)
        try:
            decision, work = service.decide(ing, info, slug, allow_db=False)
        except NeedsDatabase:
            decision, work = await run_in_threadpool(service.decide, ing, info, slug)
        await ing.writer.submit(work)
        if work.unauthorized:
            ing.catalogs.forget(work.api_key)
            raise Unauthorized(service.BAD_KEY, code="invalid_api_key")
        decision = service.resolve(decision, work)
        variant = decision.variant
        out = AssignOut(
            experiment_id=decision.experiment.id,
            experiment_slug=decision.experiment.slug,
            visitor_id=decision.visitor_id,
            in_experiment=variant is not None,
            variant=None
            if variant is None
            else {
                "id": variant.id,
                "key": variant.key,
                "name": variant.name,
                "changes": variant.changes,
            },
            reason=decision.reason,
            failed_check=decision.check,
        )
        return _JSON(out.model_dump(mode="json"), headers=CORS)

    return await _guarded(handle)


@router.post("/_bench/events/batch", include_in_schema=False)
async def bench_null_batch(request: Request) -> Response:
    """``segmently bench ingest``'s (b0): parses and validates like ``/events/batch``, stores
    nothing. Only with ``SEGMENTLY_INGEST_BENCH_ENDPOINT=1``."""
    if not ingestion(request.app).bench_endpoint:
        return error_response(404, "not_found", "Not Found")
    return await _ingest(request, batch=True, store=False)


def preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT)


router.add_api_route("/events/track", preflight, methods=["OPTIONS"], include_in_schema=False)
router.add_api_route("/events/batch", preflight, methods=["OPTIONS"], include_in_schema=False)
router.add_api_route(
    "/experiments/{slug}/assign", preflight, methods=["OPTIONS"], include_in_schema=False
)
