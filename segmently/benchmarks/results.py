"""``segmently bench results``: the results endpoint beside a full scan of the raw events.

For each database (a fresh SQLite file, and a scratch PostgreSQL database when a URL is given),
in one run:

1. migrate, then create an organization (Enterprise), a project and a live two-variant
   experiment with a primary and a secondary goal through the real services;
2. generate the data **inside the database** (``INSERT … SELECT`` over a recursive CTE on
   SQLite, over ``generate_series`` on PostgreSQL): ``visitors`` assignments spread over
   ``DAYS`` days, ``visitors × events_per_visitor`` events (page views, conversions with
   revenue for ~10–11 % of the visitors, ``add_to_cart`` for ~30 %, page exits, scroll
   events), the ``conversions`` rows, and the daily aggregates derived from them by
   ``INSERT … SELECT … GROUP BY`` — then check that the aggregates add up to the raw tables
   (the databases are filled at the same time: SQLite works in this process, PostgreSQL in
   its server; everything after is measured one database at a time);
3. time ``GET /api/v1/experiments/{id}/results`` (user Bearer token) and
   ``GET /api/v1/manage/experiments/{id}/results`` (management key) through the ASGI app
   (httpx's ASGI transport: routing, auth, the service, serialisation; no sockets), one
   warm-up then ``requests`` timed calls each;
4. compute the same per-variant numbers (visitors, converting visitors and revenue on the
   primary goal, converting visitors on the secondary goal) by a full scan of ``events``
   joined to ``assignments``, ``scans`` times, and check they equal the endpoint's.

Every visitor's attributes are arithmetic on its index ``i`` (no randomness), so a run is
reproducible and both databases hold the same data. Visitor ``i`` is in variant ``i % 2``;
the other attributes hash ``i // 2`` so they do not depend on the variant. Numbers measured
with this module are in ``docs/performance.md``.
"""

# The SQL below is assembled from constant fragments only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import math
import os
import re
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import Uuid, bindparam
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine

from segmently.benchmarks.scratch import scratch_database
from segmently.db.base import UTCDateTime
from segmently.db.engine import make_engine, make_session_factory, transaction
from segmently.db.migrate import upgrade

DAYS = 30
SECONDARY_EVENT = "add_to_cart"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"

Log = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def _prefixed(log: Log, label: str) -> Log:
    return lambda message: log(f"{label}: {message.strip()}")


@dataclass
class Dataset:
    """What the generator created: ids for the requests and the checks."""

    url: str
    dialect: str
    project_id: uuid.UUID
    experiment_id: uuid.UUID
    variant_ids: tuple[uuid.UUID, uuid.UUID]  # control, treatment
    primary_goal_id: uuid.UUID
    secondary_goal_id: uuid.UUID
    bearer: str
    management_key: str
    secret_key: str
    visitors: int
    events_per_visitor: int
    start: datetime
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return self.visitors * self.events_per_visitor


@dataclass(frozen=True)
class VariantNumbers:
    """The numbers both sides must agree on, for one variant."""

    visitors: int
    conversions: int
    revenue: float
    secondary_conversions: int


# --------------------------------------------------------------------------- SQL per dialect


@dataclass(frozen=True)
class _Dialect:
    name: str
    series: str  # a prefix and FROM item that yield ``i`` = 0 … n − 1
    extra_series: tuple[str, str]  # the same for ``k`` = 4 … e − 1 (more events per visitor)
    start: str  # the bound start moment as a timestamp
    visitors_table: str  # CREATE TEMP TABLE bench_visitors …

    def pad(self, expr: str, width: int) -> str:
        if self.name == "sqlite":
            return f"printf('%0{width}d', {expr})"
        return f"lpad(({expr})::text, {width}, '0')"

    def at(self, seconds: str) -> str:
        """The UTCDateTime value ``seconds`` after the start (SQLite: SQLAlchemy's text form)."""
        if self.name == "sqlite":
            return f"(datetime({self.start}, '+' || ({seconds}) || ' seconds') || '.000000')"
        return f"({self.start} + ({seconds}) * interval '1 second')"

    def day(self, column: str) -> str:
        """The UTC day of a UTCDateTime column, as the ``Date`` columns store it."""
        if self.name == "sqlite":  # 'YYYY-MM-DD HH:MM:SS.ffffff' → 'YYYY-MM-DD'
            return f"substr({column}, 1, 10)"
        return f"(({column}) AT TIME ZONE 'UTC')::date"

    def obj(self, *pairs: str) -> str:
        return ("json_object(" if self.name == "sqlite" else "json_build_object(") + (
            ", ".join(pairs) + ")"
        )

    def boolean(self, condition: str) -> str:
        if self.name == "sqlite":
            return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"
        return f"({condition})"

    def value(self, column: str) -> str:
        """``event_data.value`` as a float."""
        if self.name == "sqlite":
            return f"json_extract({column}, '$.value')"
        return f"(({column}) ->> 'value')::float8"

    def events_table(self) -> str:
        """``events`` as a full scan reads it: SQLite would otherwise walk the whole table
        through ``ix_events_project_occurred`` (every row has the project), which is slower."""
        return "events AS e NOT INDEXED" if self.name == "sqlite" else "events AS e"


SQLITE = _Dialect(
    name="sqlite",
    series="WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :n) | s",
    extra_series=(
        "WITH RECURSIVE ks(k) AS (SELECT 4 UNION ALL SELECT k + 1 FROM ks WHERE k + 1 < :e) ",
        "ks",
    ),
    start=":start",
    visitors_table=(
        "CREATE TEMP TABLE bench_visitors (i INTEGER PRIMARY KEY, pad TEXT, var INTEGER, "
        "variant_id TEXT, base INTEGER, h INTEGER, c INTEGER, dur INTEGER, conv INTEGER, "
        "cart INTEGER, rev REAL, t0 TEXT, t1 TEXT, t2 TEXT, t3 TEXT)"
    ),
)
POSTGRES = _Dialect(
    name="postgresql",
    series="| generate_series(CAST(0 AS BIGINT), CAST(:n AS BIGINT) - 1) AS s(i)",
    extra_series=("", "generate_series(4, CAST(:e AS INTEGER) - 1) AS ks(k)"),
    start="CAST(:start AS TIMESTAMPTZ)",
    visitors_table=(
        "CREATE TEMP TABLE bench_visitors (i BIGINT, pad TEXT, var INTEGER, variant_id UUID, "
        "base BIGINT, h BIGINT, c BIGINT, dur BIGINT, conv INTEGER, cart INTEGER, "
        "rev DOUBLE PRECISION, t0 TIMESTAMPTZ, t1 TIMESTAMPTZ, t2 TIMESTAMPTZ, t3 TIMESTAMPTZ) "
        "ON COMMIT DROP"
    ),
)


def _visitors_sql(d: _Dialect) -> str:
    """Fill ``bench_visitors``: one row per visitor with everything the tables derive from.

    ``base`` is the visitor's first moment in seconds after the start: visitors arrive in
    order of ``i``, ``visitors / DAYS`` a day, each early enough in its day that all its events
    (one a minute) fall on that day. Rows are thus inserted in the order of their indexes.
    Converters: 10 % of control, 11 % of the treatment; revenue 10.00 … 25.75 in quarters
    (exact in binary floating point, so sums do not depend on their order); add_to_cart:
    30 % / 32 %. ``t0`` … ``t3`` are the moments of the first four events.
    """
    prefix, series = d.series.split("|")
    return (
        prefix + "INSERT INTO bench_visitors (i, pad, var, variant_id, base, h, c, dur, conv, "
        "cart, rev, t0, t1, t2, t3) "
        "SELECT i, pad, var, variant_id, base, h, c, dur, "
        "CASE WHEN h < 100 + 10 * var THEN 1 ELSE 0 END, "
        "CASE WHEN c < 30 + 2 * var THEN 1 ELSE 0 END, "
        "CAST(10 + (h % 64) * 0.25 AS DOUBLE PRECISION), "
        f"{d.at('base')}, {d.at('base + 60')}, {d.at('base + 120')}, {d.at('base + 180')} "
        "FROM (SELECT i, "
        f"{d.pad('i', 9)} AS pad, "
        "i % 2 AS var, "
        "CASE WHEN i % 2 = 0 THEN :v0 ELSE :v1 END AS variant_id, "
        "(i * :days) / :n * 86400 + (i * :days) % :n * :daysec / :n AS base, "
        "((i / 2) * 2654435761) % 1000 AS h, "
        "((i / 2) * 40503) % 100 AS c, "
        "((i / 2) * 7907) % 60000 AS dur "
        f"FROM {series}) AS raw"
    )


_EVENT_COLUMNS = (
    "project_id, event_id, event_name, visitor_id, session_id, experiment_id, variant_id, "
    "device_type, event_data, occurred_at, received_at, ip_prefix"
)


def _event_insert(
    *, slot: str, name: str, data: str, at: str, tracked: bool, where: str = "1 = 1"
) -> str:
    exp, var = (":exp", "v.variant_id") if tracked else ("NULL", "NULL")
    return (
        f"INSERT INTO events ({_EVENT_COLUMNS}) "
        f"SELECT :project, 'b{slot}-' || v.pad, {name}, 'v' || v.pad, 's' || v.pad, {exp}, "
        f"{var}, 'desktop', {data}, {at}, {at}, '203.0.113.0/24' "
        f"FROM bench_visitors AS v WHERE {where}"
    )


def _events_sql(d: _Dialect, per_visitor: int) -> list[tuple[str, str]]:
    """(label, statement): one INSERT per event slot of a visitor, in event-id order."""
    landing = d.obj("'url'", "'https://shop.example/'", "'referrer'", "''")
    product = d.obj("'url'", "'https://shop.example/product/42'", "'referrer'", "''")
    paid, cart, scroll = (
        d.obj("'value'", "v.rev"),
        d.obj("'sku'", "'A-1'"),
        d.obj("'percent'", "50"),
    )
    out = [
        (
            "events: page views (exposures)",
            _event_insert(
                slot="0",
                name="'page_view'",
                data=landing,
                at="v.t0",
                tracked=True,
            ),
        ),
        (
            "events: conversions with revenue, second page views",
            _event_insert(
                slot="1",
                name="CASE WHEN v.conv = 1 THEN 'conversion' ELSE 'page_view' END",
                data=f"CASE WHEN v.conv = 1 THEN {paid} ELSE {product} END",
                at="v.t1",
                tracked=True,
            ),
        ),
        (
            f"events: custom ({SECONDARY_EVENT}, scroll_depth)",
            _event_insert(
                slot="2",
                name=f"CASE WHEN v.cart = 1 THEN '{SECONDARY_EVENT}' ELSE 'scroll_depth' END",
                data=f"CASE WHEN v.cart = 1 THEN {cart} ELSE {scroll} END",
                at="v.t2",
                tracked=False,
            ),
        ),
        (
            "events: page exits",
            _event_insert(
                slot="3",
                name="'page_exit'",
                data=d.obj("'duration_ms'", "v.dur", "'interacted'", d.boolean("v.i % 3 = 0")),
                at="v.t3",
                tracked=True,
            ),
        ),
    ]
    if per_visitor > 4:
        prefix, series = d.extra_series
        moment = d.at("v.base + 60 * ks.k")
        percent = d.obj("'percent'", "(ks.k * 10) % 100")
        out.append(
            (
                "events: more custom (scroll_depth)",
                prefix + f"INSERT INTO events ({_EVENT_COLUMNS}) "
                "SELECT :project, 'b' || ks.k || '-' || v.pad, 'scroll_depth', 'v' || v.pad, "
                f"'s' || v.pad, NULL, NULL, 'desktop', {percent}, "
                f"{moment}, {moment}, '203.0.113.0/24' "
                f"FROM {series}, bench_visitors AS v WHERE ks.k < :e",
            )
        )
    return out


def _assignments_sql() -> str:
    return (
        "INSERT INTO assignments (experiment_id, variant_id, visitor_id, assigned_at, source, "
        "funnel_step) SELECT :exp, v.variant_id, 'v' || v.pad, v.t0, 'event', 0 "
        "FROM bench_visitors AS v"
    )


def _conversions_sql() -> list[tuple[str, str]]:
    """One row per converting visitor and goal, as ingestion's upsert leaves it."""
    head = (
        "INSERT INTO conversions (experiment_id, goal_id, variant_id, visitor_id, revenue, "
        "events, first_at) "
    )
    return [
        (
            "conversions: primary goal",
            head + "SELECT :exp, :g1, v.variant_id, 'v' || v.pad, v.rev, 1, v.t1 "
            "FROM bench_visitors AS v WHERE v.conv = 1",
        ),
        (
            "conversions: secondary goal",
            head + "SELECT :exp, :g2, v.variant_id, 'v' || v.pad, 0.0, 1, v.t2 "
            "FROM bench_visitors AS v WHERE v.cart = 1",
        ),
    ]


def _variant_daily_sql(d: _Dialect) -> str:
    """Visitors from ``assignments`` (the day of the first exposure); page views, exits,
    bounces and time on page by the rules of ``tracking.store``, from the visitor attributes
    the page_view / page_exit events were generated from (all of a visitor's events fall on
    the day of its exposure), which spares the load a second pass over ``events``."""
    bounce = "(v.dur < 5000 AND NOT (v.i % 3 = 0))"
    return (
        "INSERT INTO variant_daily (variant_id, day, experiment_id, visitors, page_views, exits, "
        "bounces, time_on_page_ms, time_on_page_count) "
        "SELECT variant_id, day, :exp, SUM(visitors), SUM(page_views), SUM(exits), SUM(bounces), "
        "SUM(time_ms), SUM(time_count) FROM ("
        f"SELECT variant_id, {d.day('assigned_at')} AS day, COUNT(*) AS visitors, "
        "0 AS page_views, 0 AS exits, 0 AS bounces, 0 AS time_ms, 0 AS time_count "
        f"FROM assignments WHERE experiment_id = :exp GROUP BY variant_id, {d.day('assigned_at')} "
        "UNION ALL "
        f"SELECT v.variant_id, {d.day('v.t0')}, 0, "
        "SUM(2 - v.conv), COUNT(*), "
        f"SUM(CASE WHEN {bounce} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {bounce} THEN 0 ELSE v.dur END), "
        f"SUM(CASE WHEN {bounce} THEN 0 ELSE 1 END) "
        f"FROM bench_visitors AS v GROUP BY v.variant_id, {d.day('v.t0')}"
        ") AS parts GROUP BY variant_id, day"
    )


def _goal_daily_sql(d: _Dialect) -> str:
    """Converting visitors and revenue sufficient statistics, on the day of the conversion."""
    return (
        "INSERT INTO goal_daily (goal_id, variant_id, day, experiment_id, conversions, "
        "revenue_sum, revenue_sumsq) "
        f"SELECT goal_id, variant_id, {d.day('first_at')}, :exp, COUNT(*), SUM(revenue), "
        "SUM(revenue * revenue) FROM conversions WHERE experiment_id = :exp "
        f"GROUP BY goal_id, variant_id, {d.day('first_at')}"
    )


def full_scan_sql(d: _Dialect) -> str:
    """What results would cost without the aggregates: one pass over every event of the
    project, folded per visitor, then each visitor's variant from ``assignments``."""
    value = d.value("e.event_data")
    return (
        "SELECT a.variant_id, COUNT(*), SUM(x.converted), SUM(x.revenue), SUM(x.secondary) "
        "FROM (SELECT e.visitor_id, "
        "MAX(CASE WHEN e.event_name = 'page_view' THEN 1 ELSE 0 END) AS exposed, "
        "MAX(CASE WHEN e.event_name = 'conversion' THEN 1 ELSE 0 END) AS converted, "
        f"SUM(CASE WHEN e.event_name = 'conversion' THEN {value} ELSE 0 END) AS revenue, "
        f"MAX(CASE WHEN e.event_name = '{SECONDARY_EVENT}' THEN 1 ELSE 0 END) AS secondary "
        f"FROM {d.events_table()} WHERE e.project_id = :project GROUP BY e.visitor_id) AS x "
        "JOIN assignments AS a ON a.experiment_id = :exp AND a.visitor_id = x.visitor_id "
        "WHERE x.exposed = 1 GROUP BY a.variant_id"
    )


def _params(ds: Dataset, start: datetime, per_visitor: int) -> dict[str, Any]:
    return {
        "n": ds.visitors,
        "e": per_visitor,
        "days": DAYS,
        "daysec": 86400 - 60 * per_visitor,
        "start": start,
        "exp": ds.experiment_id,
        "project": ds.project_id,
        "v0": ds.variant_ids[0],
        "v1": ds.variant_ids[1],
        "g1": ds.primary_goal_id,
        "g2": ds.secondary_goal_id,
    }


_TYPED: dict[str, TypeEngine[Any]] = {
    "start": UTCDateTime(),
    "exp": Uuid(),
    "project": Uuid(),
    "v0": Uuid(),
    "v1": Uuid(),
    "g1": Uuid(),
    "g2": Uuid(),
}


def _names(sql: str) -> set[str]:
    return set(re.findall(r"(?<![:\w]):(\w+)", sql))


def _exec(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    """Run ``sql`` with its ids and moments bound as typed parameters (hex text or native
    uuid, naive-UTC text or timestamptz: as SQLAlchemy stores them on each backend)."""
    names = _names(sql)
    stmt = sa.text(sql)
    binds = [bindparam(k, type_=t) for k, t in _TYPED.items() if k in names]
    if binds:
        stmt = stmt.bindparams(*binds)
    return conn.execute(stmt, {k: v for k, v in params.items() if k in names})


# --------------------------------------------------------------------------- set-up


def _account(engine: Engine, secret_key: str, start: datetime) -> dict[str, Any]:
    """Org (Enterprise), project and live experiment through the real services."""
    from segmently.auth import management
    from segmently.auth import service as auth
    from segmently.auth.tokens import issue_token
    from segmently.experiments import service as experiments
    from segmently.experiments.schemas import ExperimentConfigIn
    from segmently.experiments.service import Actor
    from segmently.projects import service as projects

    with transaction(make_session_factory(engine)) as session:
        user = auth.signup(
            session,
            name="Bench User",
            email=f"bench-{secrets.token_hex(4)}@example.com",
            organization_name="Bench Org",
            password=secrets.token_urlsafe(16),
            rounds=10,
        )
        principal = auth.principal_for_user(session, user)
        principal.org.tier = "enterprise"
        session.flush()
        project = projects.create_project(
            session, principal.org, name="Bench shop", base_url="https://shop.example"
        )
        config = ExperimentConfigIn.model_validate(
            {
                "name": "Checkout button",
                "slug": "bench-checkout",
                "traffic_percentage": 100,
                "variants": [
                    {"key": "control", "name": "Control", "weight": 50},
                    {"key": "variant_a", "name": "Green button", "weight": 50},
                ],
                "goals": [
                    {"name": "Purchase", "kind": "click", "selector": "#buy", "primary": True},
                    {"name": "Add to cart", "kind": "custom_event", "event_name": SECONDARY_EVENT},
                ],
            }
        )
        actor = Actor(label="segmently bench results", user_id=user.id)
        experiment = experiments.create_experiment(session, principal.org, project, config, actor)
        experiments.transition(session, principal.org, experiment, "start", actor)
        experiment.started_at = start  # the data below spans DAYS days before now
        session.flush()
        variants = sorted(experiment.variants, key=lambda v: v.position)
        goals = sorted(experiment.goals, key=lambda g: (not g.is_primary, g.position))
        _, raw_key = management.create_key(session, principal.membership, "bench")
        return {
            "project_id": project.id,
            "experiment_id": experiment.id,
            "variant_ids": (variants[0].id, variants[1].id),
            "primary_goal_id": goals[0].id,
            "secondary_goal_id": goals[1].id,
            "bearer": issue_token(user.id, user.token_version, secret_key, 1),
            "management_key": raw_key,
        }


def prepare(url: str, *, visitors: int, events_per_visitor: int = 5) -> Dataset:
    """Migrate ``url`` and create the account and the live experiment (not thread-safe:
    Alembic keeps global state, so databases are prepared one after the other)."""
    if not 4 <= events_per_visitor <= 100:
        raise ValueError("events_per_visitor must be between 4 and 100")
    if visitors < 2:
        raise ValueError("visitors must be at least 2")
    engine = make_engine(url)
    try:
        upgrade(engine)
        secret_key = secrets.token_urlsafe(48)  # signs the bench user's session token
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today - timedelta(days=DAYS)
        return Dataset(
            url=url,
            dialect=engine.dialect.name,
            visitors=visitors,
            events_per_visitor=events_per_visitor,
            start=start,
            secret_key=secret_key,
            **_account(engine, secret_key, start),
        )
    finally:
        engine.dispose()


def fill(ds: Dataset, log: Log = _quiet) -> Dataset:
    """Generate every row in SQL, then check the aggregates against the raw tables."""
    engine = make_engine(ds.url)
    try:
        params = _params(ds, ds.start, ds.events_per_visitor)
        d = SQLITE if ds.dialect == "sqlite" else POSTGRES
        steps: list[tuple[str, str]] = [
            ("visitors (temporary)", _visitors_sql(d)),
            ("assignments", _assignments_sql()),
            *_events_sql(d, ds.events_per_visitor),
            *_conversions_sql(),
            ("variant_daily", _variant_daily_sql(d)),
            ("goal_daily", _goal_daily_sql(d)),
        ]
        began = time.perf_counter()
        with engine.connect() as conn:
            _bulk_load(conn, steps, params, log)
        check_consistent(engine, ds)
        ds.timings["generate_s"] = time.perf_counter() - began
        log(f"generated and checked in {ds.timings['generate_s']:.1f} s")
        return ds
    finally:
        engine.dispose()


def generate(url: str, *, visitors: int, events_per_visitor: int = 5, log: Log = _quiet) -> Dataset:
    """:func:`prepare` then :func:`fill`: a database ready to be measured."""
    return fill(prepare(url, visitors=visitors, events_per_visitor=events_per_visitor), log)


# Non-unique indexes are dropped during the load and rebuilt after it from the same
# definitions (``segmently.db.models``, which the migrations mirror): one sort instead of
# millions of random B-tree inserts. The unique ones stay (they are appended to in order).
_REBUILT = ("events", "assignments", "conversions")


def _bulk_load(
    conn: Connection, steps: list[tuple[str, str]], params: dict[str, Any], log: Log
) -> None:
    """Run the INSERT … SELECT steps in one transaction, the way a bulk load is done: foreign
    keys are not re-checked row by row (every id written was just created by the services, and
    the checks below compare the tables), secondary indexes are built once at the end."""
    from segmently.db.base import Base

    sqlite_ = conn.dialect.name == "sqlite"
    d = SQLITE if sqlite_ else POSTGRES
    indexes = [
        index
        for name in _REBUILT
        for index in Base.metadata.tables[name].indexes
        if not index.unique
    ]
    if sqlite_:
        # Outside a transaction, as these require. A rollback journal in memory instead of the
        # WAL: pages go straight to the file, and a failed load still rolls back.
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("PRAGMA journal_mode = MEMORY")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -1000000")  # 1 GB for this connection
        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
        conn.commit()
    try:
        with conn.begin():
            if not sqlite_:
                conn.exec_driver_sql(
                    "SET LOCAL session_replication_role = replica"
                )  # no FK triggers
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for index in indexes:
                index.drop(conn)
            conn.exec_driver_sql(d.visitors_table)
            for label, sql in steps:
                t, cpu = time.perf_counter(), time.process_time()
                count = _exec(conn, sql, params).rowcount
                if count < 0:  # sqlite3 reports no rowcount for WITH … INSERT
                    count = conn.exec_driver_sql("SELECT changes()").scalar_one()
                log(
                    f"  {label}: {count:,} rows in {time.perf_counter() - t:.1f} s"
                    + (f" (cpu {time.process_time() - cpu:.1f} s)" if sqlite_ else "")
                )
            t = time.perf_counter()
            for index in indexes:
                index.create(conn)
            if sqlite_:
                conn.exec_driver_sql("DROP TABLE temp.bench_visitors")
            log(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - t:.1f} s")
    finally:
        if sqlite_:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")  # as segmently.db.engine sets it
            conn.exec_driver_sql("PRAGMA synchronous = NORMAL")
            conn.exec_driver_sql("PRAGMA cache_size = -2000")
            conn.exec_driver_sql("PRAGMA temp_store = DEFAULT")
            conn.commit()
    t = time.perf_counter()
    if not sqlite_:
        # What autovacuum would soon do to 5M fresh rows (statistics, hint bits, visibility
        # map), done now so that it does not run during the measurements.
        conn.commit()
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        log(f"VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")


def check_consistent(engine: Engine, ds: Dataset) -> None:
    """The aggregates add up to the raw tables (per variant, per goal), and the row counts are
    the ones asked for: the benchmark measures one consistent dataset."""
    p = {"exp": ds.experiment_id, "project": ds.project_id}
    with engine.connect() as conn:

        def rows(sql: str) -> dict[Any, tuple[Any, ...]]:
            return {r[0]: tuple(r[1:]) for r in _exec(conn, sql, p)}

        daily = rows(
            "SELECT variant_id, SUM(visitors) FROM variant_daily WHERE experiment_id = :exp "
            "GROUP BY variant_id"
        )
        assigned = rows(
            "SELECT variant_id, COUNT(*) FROM assignments WHERE experiment_id = :exp "
            "GROUP BY variant_id"
        )
        goal_daily = {
            (r[0], r[1]): (int(r[2]), float(r[3]), float(r[4]))
            for r in _exec(
                conn,
                "SELECT goal_id, variant_id, SUM(conversions), SUM(revenue_sum), "
                "SUM(revenue_sumsq) FROM goal_daily WHERE experiment_id = :exp "
                "GROUP BY goal_id, variant_id",
                p,
            )
        }
        converted = {
            (r[0], r[1]): (int(r[2]), float(r[3]), float(r[4]))
            for r in _exec(
                conn,
                "SELECT goal_id, variant_id, COUNT(*), SUM(revenue), SUM(revenue * revenue) "
                "FROM conversions WHERE experiment_id = :exp GROUP BY goal_id, variant_id",
                p,
            )
        }
        events = _exec(conn, "SELECT COUNT(*) FROM events WHERE project_id = :project", p)
        n_events = int(events.scalar_one())
    if {k: int(v[0]) for k, v in daily.items()} != {k: int(v[0]) for k, v in assigned.items()}:
        raise AssertionError(f"variant_daily {daily} != assignments {assigned}")
    if sum(int(v[0]) for v in assigned.values()) != ds.visitors:
        raise AssertionError(f"{assigned} assignments for {ds.visitors} visitors")
    if set(goal_daily) != set(converted) or any(
        goal_daily[k][0] != converted[k][0]
        or not math.isclose(goal_daily[k][1], converted[k][1], rel_tol=1e-9)
        or not math.isclose(goal_daily[k][2], converted[k][2], rel_tol=1e-9)
        for k in converted
    ):
        raise AssertionError(f"goal_daily {goal_daily} != conversions {converted}")
    if n_events != ds.events:
        raise AssertionError(f"{n_events} events stored, {ds.events} generated")


# --------------------------------------------------------------------------- measurements


def _settings(url: str, data_dir: Path, secret_key: str) -> Any:
    from segmently.settings import load_settings

    return load_settings(
        paths__data_dir=data_dir,
        database__database_url=url,
        auth__secret_key=secret_key,
        auth__bcrypt_rounds=10,
        server__base_url="http://bench",
        server__run_jobs=False,
    )


def endpoint_numbers(body: dict[str, Any], ds: Dataset) -> dict[uuid.UUID, VariantNumbers]:
    """Per variant, from a results response."""
    primary = {uuid.UUID(v["variant_id"]): v for v in body["primary"]["variants"]}
    secondary = next(
        g for g in body["secondary"] if uuid.UUID(g["goal_id"]) == ds.secondary_goal_id
    )
    second = {uuid.UUID(v["variant_id"]): v for v in secondary["variants"]}
    return {
        vid: VariantNumbers(
            visitors=int(v["visitors"]),
            conversions=int(v["conversions"]),
            revenue=float(v["revenue"]["total"]),
            secondary_conversions=int(second[vid]["conversions"]),
        )
        for vid, v in primary.items()
    }


def full_scan(engine: Engine, ds: Dataset) -> dict[uuid.UUID, VariantNumbers]:
    d = SQLITE if engine.dialect.name == "sqlite" else POSTGRES
    with engine.connect() as conn:
        rows = _exec(
            conn,
            full_scan_sql(d),
            {"exp": ds.experiment_id, "project": ds.project_id},
        ).all()
    out = {}
    for vid, visitors, converters, revenue, secondary in rows:
        key = vid if isinstance(vid, uuid.UUID) else uuid.UUID(str(vid))
        out[key] = VariantNumbers(
            int(visitors), int(converters), float(revenue or 0), int(secondary)
        )
    return out


def same_numbers(
    a: dict[uuid.UUID, VariantNumbers], b: dict[uuid.UUID, VariantNumbers]
) -> list[str]:
    """Differences between two per-variant sets (empty when they agree)."""
    problems = []
    for vid in sorted(set(a) | set(b), key=str):
        x, y = a.get(vid), b.get(vid)
        if (
            x is None
            or y is None
            or (x.visitors, x.conversions, x.secondary_conversions)
            != (y.visitors, y.conversions, y.secondary_conversions)
            or not math.isclose(x.revenue, y.revenue, rel_tol=1e-9, abs_tol=1e-9)
        ):
            problems.append(f"variant {vid}: {x} vs {y}")
    return problems


def _percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def _time_requests(
    app: Any, path: str, headers: dict[str, str], n: int
) -> tuple[dict[str, Any], list[float]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        first = await client.get(path, headers=headers)  # warm-up (and significance, once)
        if first.status_code != 200:
            raise AssertionError(f"GET {path}: {first.status_code} {first.text[:300]}")
        samples = []
        body: dict[str, Any] = first.json()
        for _ in range(n):
            t = time.perf_counter()
            r = await client.get(path, headers=headers)
            samples.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise AssertionError(f"GET {path}: {r.status_code} {r.text[:300]}")
            body = r.json()
        return body, samples


def measure_endpoints(ds: Dataset, data_dir: Path, requests: int) -> dict[str, Any]:
    """p50/p95 of both results endpoints through the ASGI app, and the numbers they return."""
    from segmently.web.app import create_app

    app = create_app(_settings(ds.url, data_dir, ds.secret_key))
    try:
        out: dict[str, Any] = {}
        for label, path, headers in (
            (
                "user",
                f"/api/v1/experiments/{ds.experiment_id}/results",
                {"Authorization": f"Bearer {ds.bearer}"},
            ),
            (
                "management",
                f"/api/v1/manage/experiments/{ds.experiment_id}/results",
                {"Authorization": f"Bearer {ds.management_key}"},
            ),
        ):
            body, samples = asyncio.run(_time_requests(app, path, headers, requests))
            out[label] = {
                "path": path.replace(str(ds.experiment_id), "{id}"),
                "requests": requests,
                "p50_ms": round(statistics.median(samples) * 1000, 2),
                "p95_ms": round(_percentile(samples, 0.95) * 1000, 2),
                "numbers": endpoint_numbers(body, ds),
            }
        return out
    finally:
        app.state.engine.dispose()


def measure_scan(ds: Dataset, runs: int) -> tuple[dict[uuid.UUID, VariantNumbers], list[float]]:
    engine = make_engine(ds.url)
    try:
        samples = []
        numbers: dict[uuid.UUID, VariantNumbers] = {}
        for _ in range(runs):
            t = time.perf_counter()
            numbers = full_scan(engine, ds)
            samples.append(time.perf_counter() - t)
        return numbers, samples
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- databases


def _as_json(numbers: dict[uuid.UUID, VariantNumbers], ds: Dataset) -> dict[str, Any]:
    names = {ds.variant_ids[0]: "control", ds.variant_ids[1]: "variant_a"}
    return {
        names.get(vid, str(vid)): {
            "visitors": n.visitors,
            "conversions": n.conversions,
            "revenue": round(n.revenue, 2),
            "secondary_conversions": n.secondary_conversions,
        }
        for vid, n in numbers.items()
    }


def measure(
    label: str, ds: Dataset, data_dir: Path, *, requests: int, scans: int, log: Log
) -> dict[str, Any]:
    """Endpoint latency, then the full scan, on one generated database; same numbers or fail."""
    endpoints = measure_endpoints(ds, data_dir, requests)
    user = endpoints["user"]
    log(
        f"{label}: results endpoint p50 {user['p50_ms']} ms, p95 {user['p95_ms']} ms "
        f"(management key: p50 {endpoints['management']['p50_ms']} ms)"
    )
    scanned, samples = measure_scan(ds, scans)
    scan_p50 = statistics.median(samples)
    log(f"{label}: full scan p50 {scan_p50:.2f} s over {scans} runs")
    problems = same_numbers(user["numbers"], scanned) + same_numbers(
        endpoints["management"]["numbers"], scanned
    )
    if problems:
        raise AssertionError(f"{label}: endpoint and full scan differ: {problems}")
    ratio = scan_p50 * 1000 / user["p50_ms"]
    log(f"{label}: same numbers both ways; the full scan takes {ratio:,.0f}× as long")
    for side in endpoints.values():
        side.pop("numbers")
    return {
        "visitors": ds.visitors,
        "events": ds.events,
        "days": DAYS,
        "generate_s": round(ds.timings["generate_s"], 1),
        "endpoint": endpoints,
        "full_scan": {
            "runs": scans,
            "p50_ms": round(scan_p50 * 1000, 1),
            "samples_ms": [round(s * 1000, 1) for s in samples],
        },
        "ratio_scan_to_endpoint_p50": round(ratio, 1),
        "goal_met_p50_under_100ms": user["p50_ms"] < 100,
        "numbers": _as_json(scanned, ds),
    }


def run(
    visitors: int = 1_000_000,
    events_per_visitor: int = 5,
    *,
    pg_url: str | None = PG_ADMIN_URL,
    sqlite: bool = True,
    requests: int = 30,
    scans: int = 3,
    log: Log = _quiet,
) -> dict[str, Any]:
    """The whole benchmark. The databases are generated at the same time (SQLite works in this
    process, PostgreSQL in its server: two cores), then measured one after the other, alone."""
    if requests < 1 or scans < 1:
        raise ValueError("requests and scans must be at least 1")
    started = time.perf_counter()
    out: dict[str, Any] = {
        "benchmark": "results",
        "visitors": visitors,
        "events_per_visitor": events_per_visitor,
        "databases": {},
    }
    labels = (["sqlite"] if sqlite else []) + (["postgresql"] if pg_url else [])
    with (
        tempfile.TemporaryDirectory(prefix="segmently-bench-results-") as tmp,
        ExitStack() as stack,
    ):
        workdir = Path(tmp)
        urls = {
            label: stack.enter_context(
                scratch_database(label, workdir, pg_url, name="bench_results")
            )
            for label in labels
        }
        log(
            f"generating {visitors:,} visitors and {visitors * events_per_visitor:,} events "
            f"in {', '.join(labels)} (at the same time)"
        )
        prepared = [
            prepare(urls[label], visitors=visitors, events_per_visitor=events_per_visitor)
            for label in labels
        ]
        with ThreadPoolExecutor(max_workers=max(1, len(labels))) as pool:
            futures = {
                label: pool.submit(fill, ds, _prefixed(log, label))
                for label, ds in zip(labels, prepared, strict=True)
            }
            datasets = {label: future.result() for label, future in futures.items()}
        out["generate_s"] = round(time.perf_counter() - started, 1)
        for label in labels:
            out["databases"][label] = measure(
                label,
                datasets[label],
                workdir / f"data-{label}",
                requests=requests,
                scans=scans,
                log=log,
            )
    out["total_s"] = round(time.perf_counter() - started, 1)
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["cpus"] = os.cpu_count()
    return out
