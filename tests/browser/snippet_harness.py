"""A live server for the snippet's browser tests: the real app, the fixture pages of
``tests/browser/pages`` at ``/pages/<name>``, and a recorder in front of the event endpoints
that can also play an outage (503) to test retries."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmently.db.models import Experiment
from segmently.experiments import compiler
from segmently.snippet.settings import SnippetSettings
from segmently.web.app import create_app
from tests.accounts import PASSWORD
from tests.browser.conftest import LiveServer, _free_port
from tests.conftest import make_settings
from tests.experiments.factories import config, set_tier

PAGES = Path(__file__).parent / "pages"
EVENT_PATHS = ("/api/v1/events/batch", "/api/v1/events/track")


@dataclass
class Recorder:
    """Every event the real ingestion answered with a 2xx (a resent event appears again)."""

    down: bool = False
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.accepted if name is None or e["event_name"] == name]

    def wait(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(
            f"timed out; events so far: {[e['event_name'] for e in self.accepted]}"
        )


class EventTap:
    """An ASGI wrapper in front of the app (and so of ingestion): records accepted batches;
    plays an outage (503) while ``recorder.down``."""

    def __init__(self, app: ASGIApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in EVENT_PATHS or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        cors = [(b"access-control-allow-origin", b"*"), (b"content-type", b"application/json")]
        if self.recorder.down:
            self.recorder.refused += 1
            await send({"type": "http.response.start", "status": 503, "headers": cors})
            await send({"type": "http.response.body", "body": b'{"error":{}}'})
            return
        status: list[int] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, replay, watch)
        if status and 200 <= status[0] < 300:
            payload = json.loads(body)
            self.recorder.accepted.extend(payload.get("events", [payload]))


class SnippetSite:
    """The live app plus an account with an Enterprise project ready for experiments."""

    def __init__(self, app: FastAPI, server: LiveServer, recorder: Recorder) -> None:
        self.app = app
        self.server = server
        self.url = server.url
        self.recorder = recorder
        self.http = httpx.Client(base_url=server.url, timeout=30)
        n = uuid.uuid4().hex[:8]
        r = self.http.post(
            "/api/v1/auth/signup",
            json={
                "name": "Snip Pet",
                "email": f"snip{n}@example.com",
                "organization_name": f"Snippets {n}",
                "password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        data = r.json()
        self.headers = {"Authorization": f"Bearer {data['token']}"}
        self.org_id = data["user"]["organization"]["id"]
        set_tier(app, self.org_id, "enterprise")
        r = self.http.post(
            "/api/v1/projects",
            json={"name": "Fixture site", "base_url": server.url},
            headers=self.headers,
        )
        assert r.status_code == 201, r.text
        self.project = r.json()
        self.key = self.project["api_key"]

    def experiment(self, start: bool = True, **changes: Any) -> dict[str, Any]:
        r = self.http.post(
            f"/api/v1/projects/{self.project['id']}/experiments",
            json=config(**changes),
            headers=self.headers,
        )
        assert r.status_code == 201, r.text
        exp: dict[str, Any] = r.json()
        if start:
            self.transition(exp["id"], "start")
        return exp

    def transition(self, experiment_id: str, action: str) -> None:
        r = self.http.post(
            f"/api/v1/experiments/{experiment_id}/transitions",
            json={"action": action},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text

    def edit(self, experiment_id: str, **columns: Any) -> None:
        """Write columns directly (what validation would refuse, e.g. local host names)."""
        with self.app.state.sessions() as s:
            exp = s.get(Experiment, uuid.UUID(experiment_id))
            assert exp is not None
            for name, value in columns.items():
                setattr(exp, name, value)
            compiler.recompile(s, exp.project_id)
            s.commit()

    def set_weights(self, experiment_id: str, weights: list[int]) -> None:
        with self.app.state.sessions() as s:
            exp = s.get(Experiment, uuid.UUID(experiment_id))
            assert exp is not None
            for variant, weight in zip(exp.variants, weights, strict=True):
                variant.weight = weight
            compiler.recompile(s, exp.project_id)
            s.commit()

    def rows(self, model: Any, **where: Any) -> list[Any]:
        """Rows of a table written by ingestion (the real one, once it is installed)."""
        from sqlalchemy import select

        with self.app.state.sessions() as s:
            query = select(model).filter_by(**where)
            return list(s.scalars(query))

    def tier(self, tier: str) -> None:
        set_tier(self.app, self.org_id, tier)

    def page(self, name: str, host: str = "127.0.0.1", query: str = "") -> str:
        return f"http://{host}:{self.server.port}/pages/{name}{query}"


def _pages_router(site: dict[str, Any]) -> Any:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/pages/{name}")
    def fixture_page(name: str) -> Response:
        path = PAGES / name
        if not path.is_file() or path.suffix != ".html":
            return Response(status_code=404)
        html = path.read_text().replace("{{API_KEY}}", site["key"])
        headers = {}
        first = html.splitlines()[0]
        if first.startswith("<!-- CSP: "):
            headers["Content-Security-Policy"] = first[len("<!-- CSP: ") : -len(" -->")]
        return HTMLResponse(html, headers=headers)

    @router.get("/pages/{name}/{rest:path}")
    def spa_route(name: str, rest: str) -> Response:
        # Deep links of the SPA fixture serve the same document.
        return fixture_page(name)

    return router


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[SnippetSite]:
    port = _free_port()
    app = create_app(make_settings(db_url, tmp_path, server__base_url=f"http://127.0.0.1:{port}"))
    app.state.config_cache.ttl = 0
    # Revalidate on every load (ETag), so config changes show at once in the tests.
    app.state.snippet_settings = SnippetSettings(snippet_max_age=0)
    recorder = Recorder()
    shared: dict[str, Any] = {"key": ""}
    app.include_router(_pages_router(shared))
    # In front of the whole app: ingestion is answered before the app's middleware stack.
    server = LiveServer(EventTap(app, recorder=recorder))
    server.port = port
    server.url = f"http://127.0.0.1:{port}"
    server.server.config.port = port
    with server:
        s = SnippetSite(app, server, recorder)
        shared["key"] = s.key
        yield s
        s.http.close()
    app.state.engine.dispose()
