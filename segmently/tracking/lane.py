"""A short path through the ASGI stack for the three public ingestion routes.

Every visitor of every customer site calls ``/events/track``, ``/events/batch`` and
``/experiments/{slug}/assign``. The dashboard's middleware (gzip, security headers, FastAPI's
exception and dependency machinery, router scan) cost more per call than checking an event, and
none of it applies to these JSON answers. :class:`IngestionLane` sits outermost among the app's
middleware and hands these requests straight to the same handlers the FastAPI routes declare
(the routes stay for the OpenAPI document and answer everything else, such as a wrong method).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from segmently.tracking import router

_PREFIX = router.router.prefix + "/"
_ASSIGN = re.compile(r"/experiments/([^/]+)/assign")
_FIXED: dict[str, Callable[[Request], Awaitable[Response]]] = {
    "/events/track": router.track,
    "/events/batch": router.batch,
    "/_bench/events/batch": router.bench_null_batch,
}


class IngestionLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "OPTIONS"):
            path: str = scope["path"]
            if path.startswith(_PREFIX):
                response = await self._handle(scope, receive, path[len(_PREFIX) - 1 :])
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, path: str) -> Response | None:
        fixed = _FIXED.get(path)
        slug = None
        if fixed is None:
            match = _ASSIGN.fullmatch(path)
            if match is None:
                return None
            slug = match.group(1)
        if scope["method"] == "OPTIONS":
            return router.preflight()
        request = Request(scope, receive)
        if fixed is not None:
            return await fixed(request)
        assert slug is not None
        return await router.assign(slug, request)
