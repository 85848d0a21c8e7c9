"""``GET /s/<key>.js`` (snippet + inlined config), ``/s/<key>.json`` (the config, CORS-open, for
the ``data-api-key`` install form and preview links), ``/segmently.js`` (the core alone)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, Response

from segmently.experiments import compiler
from segmently.projects import service as projects
from segmently.snippet import service
from segmently.snippet.settings import SnippetSettings
from segmently.web.deps import DB

router = APIRouter(tags=["snippet"], include_in_schema=False)

JS = "application/javascript; charset=utf-8"


def _settings(request: Request) -> SnippetSettings:
    settings = getattr(request.app.state, "snippet_settings", None)
    if settings is None:
        settings = request.app.state.snippet_settings = SnippetSettings()
    return settings


def _country(request: Request) -> str | None:
    settings = _settings(request)
    peer = request.client.host if request.client else None
    if settings.country_header and service.trusted(
        peer, request.app.state.settings.server.trusted_proxies
    ):
        country = service.clean_country(request.headers.get(settings.country_header))
        if country:
            return country
    return service.geoip_country(settings.geoip_db, peer)


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match") or ""
    return etag in [t.strip() for t in header.split(",")]


def _core(request: Request) -> service.Core | Response:
    try:
        return service.core(getattr(request.app.state, "snippet_dist", service.DIST))
    except service.SnippetNotBuilt:
        return Response(
            "/* segmently.js is not built: run `npm run build` */",
            status_code=503,
            media_type=JS,
            headers={"Cache-Control": "no-store", "Retry-After": "10"},
        )


@router.get("/s/{api_key}.js")
def snippet(api_key: str, request: Request, db: DB) -> Response:
    core = _core(request)
    if isinstance(core, Response):
        return core
    project = projects.project_for_key(db, api_key)
    if project is None:
        # Still JavaScript, so the page only logs nothing and runs no experiment.
        return Response(
            "/* Segmently: unknown or revoked API key */",
            status_code=404,
            media_type=JS,
            headers={"Cache-Control": "no-store"},
        )
    cached = request.app.state.config_cache.get(db, project)
    prepared = service.prepare(cached.etag, cached.body)
    headers = {"Access-Control-Allow-Origin": "*"}
    country = None
    max_age = _settings(request).snippet_max_age
    if prepared.countries:
        # The body depends on the visitor: never stored by shared caches.
        country = _country(request)
        headers["Cache-Control"] = f"private, max-age={max_age}"
        if _settings(request).country_header:
            headers["Vary"] = _settings(request).country_header
    else:
        headers["Cache-Control"] = f"public, max-age={max_age}"
    delivered = service.render(
        core,
        prepared.body,
        api_key=api_key,
        base_url=request.app.state.settings.server.base_url,
        country=country,
    )
    headers["ETag"] = delivered.etag
    if _not_modified(request, delivered.etag):
        return Response(status_code=304, headers=headers)
    return Response(delivered.body, media_type=JS, headers=headers)


@router.get("/s/{api_key}.json")
def config(
    api_key: str,
    request: Request,
    db: DB,
    preview: str | None = Query(default=None, max_length=300),
) -> Response:
    """The compiled config for ``/segmently.js?data-api-key`` installs and preview links: a
    simple CORS GET (no custom header, so no preflight)."""
    headers = {"Access-Control-Allow-Origin": "*"}
    project = projects.project_for_key(db, api_key)
    if project is None:
        return Response(
            json.dumps({"error": {"code": "invalid_api_key", "message": "Unknown API key."}}),
            status_code=401,
            media_type="application/json",
            headers=headers | {"Cache-Control": "no-store"},
        )
    if preview:
        slug, _, variant = preview.partition(":")
        row = compiler.current(db, project)
        document = compiler.build_document(db, project, preview=(slug, variant))
        document["version"] = row.version
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        cache = "no-store"
        etag = None
    else:
        cached = request.app.state.config_cache.get(db, project)
        body, etag = cached.body, cached.etag
        cache = f"public, max-age={_settings(request).snippet_max_age}"
    prepared = service.prepare(etag, body)
    body = prepared.body
    if prepared.countries:
        country = _country(request)
        document = json.loads(body)
        document["country"] = country
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        cache = "private, no-cache" if preview is None else cache
        etag = None
    headers["Cache-Control"] = cache
    if etag:
        headers["ETag"] = etag
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/segmently.js")
def core_file(request: Request) -> Response:
    """The core alone, for ``<script src=".../segmently.js" data-api-key="…">``."""
    core = _core(request)
    if isinstance(core, Response):
        return core
    etag = f'"c-{core.digest}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Access-Control-Allow-Origin": "*",
    }
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(core.body, media_type=JS, headers=headers)
