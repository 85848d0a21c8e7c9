"""Reliability against real server processes: SIGKILL, concurrent assigns, database outage,
rate limits under concurrency."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.engine import make_engine
from segmently.db.models import Assignment, Event, VariantDaily
from segmently.errors import RateLimited
from segmently.tracking.ratelimit import IngestLimiter
from segmently.web.app import create_app
from tests.aio import run_async
from tests.conftest import _empty_tables, make_settings
from tests.tracking.factories import Live, exposure, live_experiment
from tests.tracking.live import LiveServer, TcpProxy

REDIS_URL = "redis://127.0.0.1:6379/0"


def _scalar(db_url: str, query: Any) -> Any:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sigkill_during_load_loses_and_doubles_nothing(
    client: TestClient, app: Any, db_url: str, tmp_path: Path
) -> None:
    live = live_experiment(client, app)
    batches = [
        [exposure(live, f"v{b}-{i}", "control" if i % 2 else "variant_a") for i in range(100)]
        for b in range(100)
    ]
    server = LiveServer(db_url, tmp_path)
    server.start()
    acked: set[int] = set()
    statuses: list[int] = []
    restart = threading.Lock()
    kills: list[float] = []

    def killer() -> None:
        rng = random.Random(7)
        for threshold in (15, 40, 65):
            while len(acked) < threshold:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.03))
            with restart:
                server.kill()
                kills.append(time.monotonic())
                server.start()

    def sender(mine: list[int]) -> None:
        with httpx.Client(timeout=10) as http:
            for index in mine:
                while True:
                    try:
                        r = http.post(
                            server.url + "/api/v1/events/batch",
                            json={"events": batches[index]},
                            headers={"X-API-Key": live.key},
                        )
                    except httpx.HTTPError:
                        time.sleep(0.02)
                        continue
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        acked.add(index)
                        break
                    time.sleep(0.02)

    threads = [threading.Thread(target=killer)] + [
        threading.Thread(target=sender, args=(list(range(k, 100, 4)),)) for k in range(4)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        server.stop()
    assert len(kills) == 3 and acked == set(range(100))
    assert all(s in (200, 503) for s in statuses), sorted(set(statuses))
    pid = uuid.UUID(live.project_id)
    events = sa.select(sa.func.count()).select_from(Event).where(Event.project_id == pid)
    distinct = sa.select(sa.func.count(sa.distinct(Event.event_id))).where(Event.project_id == pid)
    assert _scalar(db_url, events) == 10_000
    assert _scalar(db_url, distinct) == 10_000
    # Aggregates moved in the same transactions as the events: they agree exactly.
    assert _scalar(db_url, sa.select(sa.func.count()).select_from(Assignment)) == 10_000
    assert _scalar(db_url, sa.select(sa.func.sum(VariantDaily.visitors))) == 10_000
    assert _scalar(db_url, sa.select(sa.func.sum(VariantDaily.page_views))) == 10_000


def test_200_concurrent_assigns_store_one_row(
    client: TestClient, app: Any, db_url: str, tmp_path: Path
) -> None:
    live = live_experiment(client, app)
    slug = live.experiment["slug"]

    async def burst(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            return await asyncio.gather(
                *(
                    http.post(
                        f"{url}/api/v1/experiments/{slug}/assign",
                        json={"visitor_id": "the-visitor", "targeting_data": {}},
                        headers={"X-API-Key": live.key},
                    )
                    for _ in range(200)
                )
            )

    with LiveServer(db_url, tmp_path) as server:
        answers = run_async(burst(server.url))
    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["variant"]["id"] for r in answers}) == 1
    assert _scalar(db_url, sa.select(sa.func.count()).select_from(Assignment)) == 1
    assert _scalar(db_url, sa.select(sa.func.sum(VariantDaily.visitors))) == 1


@pytest.fixture
def pg_live(postgresql_url: str, tmp_path: Path) -> Iterator[tuple[str, Live]]:
    app = create_app(make_settings(postgresql_url, tmp_path))
    try:
        with TestClient(app) as c:
            yield postgresql_url, live_experiment(c, app)
    finally:
        app.state.engine.dispose()
        _empty_tables(postgresql_url)


@pytest.mark.slow
def test_postgresql_outage_gives_503_then_recovers(
    pg_live: tuple[str, Live], tmp_path: Path
) -> None:
    db_url, live = pg_live
    parsed = sa.engine.make_url(db_url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    through_proxy = parsed.set(port=proxy.port).render_as_string(hide_password=False)
    acked: list[str] = []
    statuses: list[tuple[float, int]] = []
    retry_after: set[str] = set()
    stop = threading.Event()

    def sender(url: str) -> None:
        with httpx.Client(timeout=20) as http:
            while not stop.is_set():
                batch = [exposure(live, f"v-{uuid.uuid4().hex[:12]}") for _ in range(20)]
                try:
                    r = http.post(
                        url + "/api/v1/events/batch",
                        json={"events": batch},
                        headers={"X-API-Key": live.key},
                    )
                except httpx.HTTPError:
                    continue
                statuses.append((time.monotonic(), r.status_code))
                if r.status_code == 200:
                    acked.extend(e["event_id"] for e in batch)
                elif r.status_code == 503:
                    retry_after.add(r.headers.get("retry-after", ""))
                time.sleep(0.01)

    try:
        with LiveServer(through_proxy, tmp_path) as server:
            threads = [threading.Thread(target=sender, args=(server.url,)) for _ in range(3)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            proxy.cut()
            cut_at = time.monotonic()
            time.sleep(2.0)
            proxy.restore()
            restored_at = time.monotonic()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if any(t > restored_at + 0.5 and s == 200 for t, s in statuses):
                    break
                time.sleep(0.1)
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join(30)
    finally:
        proxy.close()
    codes = {s for _, s in statuses}
    assert codes <= {200, 503}, codes
    assert any(s == 503 and cut_at < t < restored_at + 1 for t, s in statuses)
    assert any(s == 200 and t > restored_at for t, s in statuses), "no recovery"
    assert retry_after and "" not in retry_after
    stored = _scalar(
        db_url,
        sa.select(sa.func.count()).select_from(Event).where(Event.event_id.in_(acked)),
    )
    assert stored == len(acked)  # every 2xx was committed


def test_ip_limit_is_exact_and_ignores_spoofed_forwarding(
    client: TestClient, app: Any, db_url: str, tmp_path: Path
) -> None:
    live = live_experiment(client, app)
    env = {"SEGMENTLY_INGEST_RATE_PER_IP": "30/minute"}

    async def burst(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as http:
            return await asyncio.gather(
                *(
                    http.post(
                        f"{url}/api/v1/events/batch",
                        json={"events": [exposure(live, f"v{i}")]},
                        headers={
                            "X-API-Key": live.key,
                            "X-Forwarded-For": f"10.0.{i}.1",
                            "X-Real-IP": f"10.1.{i}.1",
                        },
                    )
                    for i in range(60)
                )
            )

    with LiveServer(db_url, tmp_path, **env) as server:
        answers = run_async(burst(server.url))
    codes = [r.status_code for r in answers]
    assert codes.count(200) == 30 and codes.count(429) == 30, codes
    limited = next(r for r in answers if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_limiter_gives_exactly_the_limit_under_threads(backend: str) -> None:
    redis_url = REDIS_URL if backend == "redis" else None
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running at 127.0.0.1:6379")
    limiter = IngestLimiter("25/minute", "1000/minute", redis_url)
    ident = uuid.uuid4().hex
    allowed: list[bool] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(5):
            try:
                limiter.hit_ip(ident)
                ok = True
            except RateLimited:
                ok = False
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 25 and len(allowed) == 100
