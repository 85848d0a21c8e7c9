"""``segmently bench ingest``: what durable ingestion costs, against its own ceilings.

For each database (a fresh SQLite file, and PostgreSQL when a URL is given), in one run:

(a)  raw insert rate of the same event rows, executemany in one transaction (storage ceiling);
(b0) HTTP batches of 100 events from 8 connections to ``/_bench/events/batch``, which parses,
     authenticates and validates exactly like ``/events/batch`` but stores nothing
     (framework ceiling);
(b)  the same load against the real ``/events/batch`` (group commit, 2xx = committed);
(c)  single-event ``/events/track`` calls from 32 connections.

The load comes from Debian's ``wrk`` with a Lua script (cheap on the CPU the server needs).
Every event has a fresh id, so nothing is a duplicate; after (b) and (c) the stored rows are
counted and must equal the acknowledged ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from segmently.benchmarks.scratch import scratch_database
from segmently.db.engine import make_engine, make_session_factory, transaction
from segmently.db.migrate import upgrade
from segmently.db.models import Event
from segmently.tracking.store import sqlite_time

BATCH = 100
RAW_ROWS = 50_000

LUA = r"""
local path = os.getenv("SEG_PATH")
local per = tonumber(os.getenv("SEG_PER"))
local run = os.getenv("SEG_RUN")
local exp = os.getenv("SEG_EXP")
local var = { os.getenv("SEG_VAR0"), os.getenv("SEG_VAR1") }
local headers = { ["Content-Type"] = "application/json", ["X-API-Key"] = os.getenv("SEG_KEY") }
local counter = 0
local threads = 0

setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local function ev(id, visitor, k)
  local slot = k % 10
  if slot == 0 then
    return string.format('{"event_id":"%s","event_name":"page_view","visitor_id":"%s",' ..
      '"session_id":"s","experiment_id":"%s","variant_id":"%s","device_type":"desktop",' ..
      '"event_data":{"url":"https://shop.example/demo/shop","referrer":""}}',
      id, visitor, exp, var[(k / 10) % 2 + 1])
  elseif slot == 8 then
    return string.format('{"event_id":"%s","event_name":"add_to_cart","visitor_id":"%s",' ..
      '"session_id":"s","event_data":{"value":19.5,"sku":"A-1"}}', id, visitor)
  elseif slot == 9 then
    return string.format('{"event_id":"%s","event_name":"page_exit","visitor_id":"%s",' ..
      '"session_id":"s","experiment_id":"%s","event_data":{"duration_ms":%d,"interacted":true}}',
      id, visitor, exp, 1000 * k)
  end
  return string.format('{"event_id":"%s","event_name":"scroll_depth","visitor_id":"%s",' ..
    '"session_id":"s","event_data":{"percent":%d}}', id, visitor, slot * 10)
end

request = function()
  counter = counter + 1
  local base = run .. "_" .. tid .. "_" .. counter
  if per == 1 then
    return wrk.format("POST", path, headers, ev(base, "v" .. base, 0))
  end
  local parts = {}
  for i = 1, per do
    local k = i - 1
    parts[i] = ev(base .. "_" .. i, "v" .. base .. "_" .. math.floor(k / 10), k)
  end
  return wrk.format("POST", path, headers, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"status_errors":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Target:
    label: str
    url: str
    api_key: str
    project_id: uuid.UUID
    experiment_id: str
    variant_ids: tuple[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(db_url: str, data_dir: Path) -> Target:
    from segmently.demo import ensure_demo
    from segmently.projects import service as projects

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            account = ensure_demo(
                session, data_dir=data_dir, base_url="http://127.0.0.1", rounds=10
            )
            variants = [str(v.id) for v in account.experiment.variants]
            return Target(
                label=engine.dialect.name,
                url=db_url,
                api_key=projects.active_key(session, account.project).key,
                project_id=account.project.id,
                experiment_id=str(account.experiment.id),
                variant_ids=(variants[0], variants[1]),
            )
    finally:
        engine.dispose()


_RAW_COLUMNS = (
    "project_id, event_id, event_name, visitor_id, session_id, experiment_id, variant_id, "
    "device_type, event_data, occurred_at, received_at, ip_prefix"
)


def _raw_rows(target: Target, n: int, sqlite: bool) -> list[tuple[Any, ...]]:
    """The event rows as the driver takes them (SQLite keeps UUIDs and times as text)."""
    now = datetime.now(UTC)
    at: Any = sqlite_time(now) if sqlite else now
    project: Any = target.project_id.hex if sqlite else target.project_id
    exp: Any = uuid.UUID(target.experiment_id)
    exp = exp.hex if sqlite else exp
    return [
        (
            project,
            f"raw_{i}",
            "scroll_depth" if i % 10 else "page_view",
            f"raw_visitor_{i // 10}",
            "s",
            exp if i % 10 == 0 else None,
            None,
            "desktop",
            json.dumps({"percent": i % 100, "url": "https://shop.example/demo/shop"}),
            at,
            at,
            "127.0.0.0/24",
        )
        for i in range(n)
    ]


def raw_insert_rate(target: Target, n: int = RAW_ROWS) -> dict[str, float]:
    """(a): the same rows straight to the driver (psycopg / sqlite3), ``executemany`` in one
    transaction, commit included; then removed again."""
    engine = make_engine(target.url)
    sqlite = engine.dialect.name == "sqlite"
    rows = _raw_rows(target, n, sqlite)
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO events ({_RAW_COLUMNS}) VALUES ({', '.join([mark] * 12)})"  # noqa: S608
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.executemany(sql, rows)
            raw.commit()
            elapsed = time.perf_counter() - started
            cursor.execute("DELETE FROM events WHERE event_id LIKE 'raw\\_%' ESCAPE '\\'")
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return {"rows": n, "seconds": round(elapsed, 3), "rows_per_s": round(n / elapsed)}


@contextmanager
def _server(target: Target, data_dir: Path, workers: int) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = os.environ | {
        "SEGMENTLY_DATABASE_URL": target.url,
        "SEGMENTLY_DATA_DIR": str(data_dir),
        "SEGMENTLY_INGEST_BENCH_ENDPOINT": "1",
        "SEGMENTLY_INGEST_RATE_PER_IP": "100000000/minute",
        "SEGMENTLY_INGEST_RATE_PER_KEY": "100000000/minute",
    }
    log = open(data_dir / f"server-{target.label}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "uvicorn",
            "segmently.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-proxy-headers",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log.name}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process and its children (the workers), from /proc."""
    total = 0.0
    try:
        pids = [pid] + [
            int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
        for one in pids:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return float("nan")
    return total


def _wrk(
    url: str,
    target: Target,
    script: Path,
    path: str,
    per: int,
    connections: int,
    seconds: int,
    run: str,
    server_pid: int,
) -> dict[str, Any]:
    env = os.environ | {
        "SEG_PATH": path,
        "SEG_PER": str(per),
        "SEG_RUN": run,
        "SEG_KEY": target.api_key,
        "SEG_EXP": target.experiment_id,
        "SEG_VAR0": target.variant_ids[0],
        "SEG_VAR1": target.variant_ids[1],
    }
    cmd = [
        shutil.which("wrk") or "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    cpu_before = _cpu_seconds(server_pid)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    cpu = _cpu_seconds(server_pid) - cpu_before
    match = re.search(r"^BENCH (\{.*\})$", out, re.M)
    if match is None:
        raise RuntimeError(f"wrk gave no summary:\n{out}")
    raw = json.loads(match.group(1))
    seconds_run = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["status_errors"]
    return {
        "requests": raw["requests"],
        "non_2xx": raw["status_errors"],
        "socket_errors": raw["socket_errors"],
        "events_per_s": round(ok * per / seconds_run),
        "requests_per_s": round(raw["requests"] / seconds_run),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "acknowledged_events": ok * per,
        # The server's own CPU per event: comparable across runs on a busy shared machine.
        "server_cpu_share": round(cpu / seconds_run, 2),
        "server_cpu_us_per_event": round(cpu * 1e6 / (ok * per), 1) if ok else None,
        "events_per_server_cpu_s": round(ok * per / cpu) if cpu > 0 else None,
    }


def _stored(target: Target, run: str) -> int:
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            query = (
                sa.select(sa.func.count())
                .select_from(Event)
                .where(Event.event_id.like(f"{run}\\_%", escape="\\"))
            )
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def bench_database(
    label: str, pg_url: str | None, *, seconds: int, workers: int, rounds: int, log: Any
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"segmently-bench-{label}-"))
    try:
        with scratch_database(label, workdir, pg_url, name="bench_ingest") as db_url:
            target = _prepare(db_url, workdir)
            log(f"{label}: (a) raw executemany of {RAW_ROWS} rows…")
            raws = sorted(
                (raw_insert_rate(target) for _ in range(rounds)), key=lambda r: r["rows_per_s"]
            )
            result: dict[str, Any] = {
                "a_raw_insert": raws[(len(raws) - 1) // 2]
                | {"rounds_rows_per_s": [r["rows_per_s"] for r in raws]}
            }
            script = workdir / "ingest.lua"
            script.write_text(LUA)
            phases = (
                ("b0_framework_ceiling", "n", "/api/v1/_bench/events/batch", BATCH, 8),
                ("b_batch", "b", "/api/v1/events/batch", BATCH, 8),
                ("c_track", "c", "/api/v1/events/track", 1, 32),
            )
            runs: dict[str, list[dict[str, Any]]] = {key: [] for key, *_ in phases}
            with _server(target, workdir, workers) as (url, pid):
                log(f"{label}: warm-up…")
                _wrk(url, target, script, phases[0][2], BATCH, 8, 2, "warm", pid)
                # Rounds alternate the phases, so that a slow minute of a shared machine does
                # not fall on one phase only; each phase reports its median round.
                for round_ in range(1, rounds + 1):
                    for key, tag, path, per, connections in phases:
                        log(f"{label}: round {round_}/{rounds}, {key} ({connections} connections)…")
                        measured = _wrk(
                            url,
                            target,
                            script,
                            path,
                            per,
                            connections,
                            seconds,
                            f"{tag}{round_}",
                            pid,
                        )
                        measured["tag"] = f"{tag}{round_}"
                        runs[key].append(measured)
            for key, tag, *_ in phases:
                if tag != "n":  # what the durable phases acknowledged must be stored
                    for measured in runs[key]:
                        measured["stored_events"] = _stored(target, measured.pop("tag"))
                ordered = sorted(runs[key], key=lambda m: m["events_per_s"])
                result[key] = ordered[(len(ordered) - 1) // 2] | {
                    "rounds_events_per_s": [m["events_per_s"] for m in runs[key]]
                }
            a = result["a_raw_insert"]["rows_per_s"]
            b0 = result["b0_framework_ceiling"]["events_per_s"]
            b = result["b_batch"]["events_per_s"]
            c = result["c_track"]["events_per_s"]
            cpu_b0 = result["b0_framework_ceiling"]["events_per_server_cpu_s"]
            cpu_b = result["b_batch"]["events_per_server_cpu_s"]
            result["ratios"] = {
                "b_over_b0": round(b / b0, 3) if b0 else None,
                "b_over_a": round(b / a, 3) if a else None,
                "b_over_b0_per_server_cpu": round(cpu_b / cpu_b0, 3) if cpu_b and cpu_b0 else None,
            }
            result["goals"] = {
                "b_at_least_half_of_b0": bool(b0) and b >= b0 / 2,
                "c_at_least_2000_events_per_s": c >= 2000,
                "every_acknowledged_event_stored": all(
                    m["stored_events"] >= m["acknowledged_events"]
                    for k in ("b_batch", "c_track")
                    for m in runs[k]
                ),
            }
            if label == "postgresql":
                result["goals"]["b_at_least_a_third_of_a"] = bool(a) and b >= a / 3
            return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(
    *,
    pg_url: str | None,
    sqlite: bool = True,
    seconds: int = 8,
    workers: int = 1,
    rounds: int = 1,
    log: Any = None,
) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    say = log or (lambda _msg: None)
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "settings": {
            "seconds_per_run": seconds,
            "server_workers": workers,
            "rounds": rounds,
            "batch": BATCH,
        },
    }
    common: dict[str, Any] = {"seconds": seconds, "workers": workers, "rounds": rounds, "log": say}
    if sqlite:
        out["sqlite"] = bench_database("sqlite", None, **common)
    if pg_url:
        out["postgresql"] = bench_database("postgresql", pg_url, **common)
    return out
