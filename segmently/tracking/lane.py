"""A short path through the ASGI stack for the three public ingestion routes.

Every visitor of every customer site calls ``/events/track``, ``/events/batch`` and
``/experiments/{slug}/assign``. The dashboard's middleware (Starlette's error middleware,
FastAPI's body-limit and telemetry wrappers, gzip, security headers, the exception and
dependency machinery, the router scan) cost more per call than checking an event, and none of
it applies to these JSON answers. :class:`IngestionLane` is asked first, before the app's
middleware stack, and hands these requests straight to the same handlers the FastAPI routes
declare (the routes stay for the OpenAPI document and answer everything else, such as a wrong
method).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from segmently.tracking import router

log = logging.getLogger(__name__)

_PREFIX = router.router.prefix + "/"
_ASSIGN = re.compile(r"/experiments/([^/]+)/assign")
_FIXED: dict[str, Callable[[Request], Awaitable[Response]]] = {
    "/events/track": router.track,
    "/events/batch": router.batch,
    "/_bench/events/batch": router.bench_null_batch,
}


class IngestionLane:
    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is one of ours; False leaves it to the app."""
        if scope["type"] != "http" or scope["method"] not in ("POST", "OPTIONS"):
            return False
        path: str = scope["path"]
        if not path.startswith(_PREFIX):
            return False
        try:
            response = await self._handle(scope, receive, path[len(_PREFIX) - 1 :])
        except Exception:  # what the app's own handler would answer: the JSON error shape
            log.exception("unhandled error in %s", path)
            response = router.error_response(
                500, "internal_error", "Something went wrong on our side."
            )
        if response is None:
            return False
        await response(scope, receive, send)
        return True

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
