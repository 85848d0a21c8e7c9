"""The application factory: everything is built here, nothing at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from segmently.auth.passwords import DummyHash
from segmently.auth.throttle import LoginThrottle
from segmently.db.engine import make_engine, make_session_factory
from segmently.experiments.config_cache import ConfigCache
from segmently.jobs.loop import Scheduler, default_tasks
from segmently.settings import Settings, load_settings
from segmently.tracking.lane import IngestionLane
from segmently.web.collector import tune_for_serving
from segmently.web.dashboard.rendering import install_page_errors
from segmently.web.errors import install_error_handlers
from segmently.web.middleware import SecurityHeadersMiddleware
from segmently.web.openapi import install_openapi

STATIC = Path(__file__).resolve().parent / "static"


class SegmentlyApp(FastAPI):
    """FastAPI, with the ingestion lane asked before the middleware stack (see ``lane``)."""

    lane = IngestionLane()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self  # as Starlette sets it: the handlers read ``request.app``
            if await self.lane.serve(scope, receive, send):
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.server.tune_gc:
            tune_for_serving()
        scheduler = None
        if settings.server.run_jobs:
            scheduler = Scheduler(app.state.sessions, default_tasks())
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        engine.dispose()

    app = SegmentlyApp(
        title="Segmently",
        version="0.1.0",
        summary="Self-hostable A/B testing: assignment, tracking and honest statistics.",
        lifespan=lifespan,
        # No OpenTelemetry is configured; FastAPI would otherwise look it up on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.login_throttle = LoginThrottle(
        settings.auth.login_failures_per_account,
        settings.auth.login_failures_per_ip,
        settings.redis.redis_url,
    )
    app.state.dummy_hash = DummyHash(settings.auth.bcrypt_rounds).value
    app.state.config_cache = ConfigCache()

    install_error_handlers(app)
    install_page_errors(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeadersMiddleware)

    from segmently.analytics.router import router as analytics_router
    from segmently.auth.router import router as auth_router
    from segmently.editor.router import router as editor_router
    from segmently.experiments.manage_router import router as manage_router
    from segmently.experiments.router import router as experiments_router
    from segmently.orgs.router import router as orgs_router
    from segmently.projects.router import router as projects_router
    from segmently.snippet.router import router as snippet_router
    from segmently.tracking.router import router as tracking_router
    from segmently.web.dashboard import router as dashboard_router
    from segmently.web.demo_shop import router as demo_router
    from segmently.web.health import router as health_router

    app.include_router(tracking_router)  # first: the hot path matches without scanning
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(orgs_router)
    app.include_router(projects_router)
    app.include_router(experiments_router)
    app.include_router(manage_router)
    app.include_router(analytics_router)
    app.include_router(editor_router)
    app.include_router(dashboard_router)
    app.include_router(snippet_router)
    app.include_router(demo_router)
    install_openapi(app)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app
