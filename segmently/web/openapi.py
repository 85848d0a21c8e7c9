"""The published OpenAPI document describes our real error shape for every 4xx/5xx answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable snake_case code."},
                "message": {"type": "string", "description": "What went wrong, for a person."},
                "field": {"type": ["string", "null"], "description": "The input at fault."},
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        error_response = {
            "description": "Error (see `error.code`)",
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses["4XX"] = error_response
                responses["5XX"] = error_response
        app.openapi_schema = doc
        return doc

    app.openapi = build  # type: ignore[method-assign]
