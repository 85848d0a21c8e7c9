"""One mapping from domain errors to HTTP responses with the JSON error shape.

``{"error": {"code": "snake_case", "message": "…", "field": "…"}}``
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from segmently.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PlanLimit,
    RateLimited,
    Unauthorized,
)

log = logging.getLogger("segmently.web")

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    PlanLimit: 402,
    Unauthorized: 401,
    Forbidden: 403,
    RateLimited: 429,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": _writable(message), "field": _writable(field)}}


def _writable(text: str | None) -> str | None:
    # A message may quote the input; a lone surrogate in it (valid in JSON's \ud800, not in
    # UTF-8) would make the answer itself fail. It is shown escaped instead.
    if text is None or text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def status_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def domain_response(exc: DomainError) -> JSONResponse:
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field), status_code=status_for(exc), headers=headers
    )


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


def _validation_message(err: dict[str, Any], field: str | None) -> str:
    msg = str(err.get("msg", "Invalid value."))
    if err.get("type") == "missing":
        return f"{field or 'A value'} is required."
    if err.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    return f"{field}: {msg}" if field else msg


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> set[str]:
    # Ask every route (included routers too) whether the path would match with each method.
    from starlette.routing import Match

    return {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        field = _field_of(first.get("loc", ()))
        code = "invalid_json" if first.get("type") == "json_invalid" else "invalid_input"
        status = 400 if code == "invalid_json" else 422
        return JSONResponse(
            error_body(code, _validation_message(first, field), field), status_code=status
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; list every route's.
            headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side."), status_code=500
        )
