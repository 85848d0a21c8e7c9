"""One group-commit transaction: events, assignments, conversions and daily aggregates.

The writer hands :func:`write_group` the work of many concurrent requests; everything here runs
in the caller's transaction and is committed once. The order of operations:

1. events, all of the group's at once (SQLite ``INSERT … ON CONFLICT DO NOTHING``, PostgreSQL
   ``COPY``); when an id was stored already, the group is redone after reading which ids
   exist, and only new events change anything else (a replay is a duplicate);
2. the visitors' assignments, read ``FOR UPDATE`` (PostgreSQL) so that another process cannot
   move the same visitor's counters at the same time; first exposures are inserted with
   ``ON CONFLICT DO NOTHING`` (first write wins) and only the rows that came back count;
3. the new events are walked in order to derive conversions, funnel progress and engagement;
4. conversions are upserted with ``RETURNING revenue, events``: from the new total r' and the
   added v the old total is r' − v, so the sum of squares gains r'² − (r' − v)²;
5. the per-day aggregate rows are upserted with increments, sorted by key (no deadlocks).

Events reach SQLite by ``executemany`` and PostgreSQL by ``COPY``; the other tables' rows travel
to PostgreSQL as one JSON document per statement (``json_to_recordset``), which orjson writes in
C (psycopg's per-row ``executemany`` costs more Python time than the database spends).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson
import psycopg
from sqlalchemy import Table, bindparam, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from segmently.db.models import (
    ApiKey,
    Assignment,
    Conversion,
    Event,
    FunnelDaily,
    GoalDaily,
    Membership,
    Project,
    User,
    VariantDaily,
)
from segmently.kit.secrets import sha256_hex
from segmently.projects.service import API_KEY_PREFIX
from segmently.tracking.catalog import ExperimentInfo, GoalInfo, ProjectCatalog, StepInfo
from segmently.tracking.validation import CleanEvent

BOUNCE_MS = 5000
_CHUNK = 400

EVENTS: Table = Event.__table__  # type: ignore[assignment]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[assignment]
CONVERSIONS: Table = Conversion.__table__  # type: ignore[assignment]
VARIANT_DAILY: Table = VariantDaily.__table__  # type: ignore[assignment]
GOAL_DAILY: Table = GoalDaily.__table__  # type: ignore[assignment]
FUNNEL_DAILY: Table = FunnelDaily.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class EventWork:
    """The accepted events of one request; ``inserted[i]`` is filled in by the transaction."""

    catalog: ProjectCatalog
    events: list[CleanEvent]
    received_at: datetime
    ip_prefix: str | None
    api_key: str = ""
    inserted: list[bool] = field(default_factory=list)
    unauthorized: bool = False


@dataclass(slots=True)
class AssignWork:
    """A server-side assignment; ``variant_id`` is replaced by the stored one (first wins)."""

    project_id: uuid.UUID
    experiment: ExperimentInfo
    visitor_id: str
    variant_id: uuid.UUID | None
    at: datetime
    store: bool = True  # False: only look up an earlier assignment
    api_key: str = ""
    check_only: bool = False  # only the key is checked (the visitor is not in the experiment)
    new: bool = False
    unauthorized: bool = False


Work = EventWork | AssignWork


@dataclass(slots=True)
class _Seat:
    """A visitor's assignment in one experiment, as this transaction sees it."""

    id: int
    variant_id: uuid.UUID
    funnel_step: int
    start_step: int


@dataclass(slots=True)
class _Deltas:
    variant: dict[tuple[uuid.UUID, date], list[Any]] = field(default_factory=dict)
    goal: dict[tuple[uuid.UUID, uuid.UUID, date], list[Any]] = field(default_factory=dict)
    funnel: dict[tuple[uuid.UUID, int, date], list[Any]] = field(default_factory=dict)

    def variant_row(self, experiment_id: uuid.UUID, variant_id: uuid.UUID, day: date) -> list[Any]:
        row = self.variant.get((variant_id, day))
        if row is None:
            # experiment, visitors, page_views, exits, bounces, time_ms, time_count
            row = self.variant[(variant_id, day)] = [experiment_id, 0, 0, 0, 0, 0, 0]
        return row


# Statements are built once per dialect: building one costs more than running it.
_STATEMENTS: dict[tuple[str, str], Any] = {}


def _run(session: Session, name: str, build: Callable[[str], Any], params: Any = None) -> Any:
    conn = session.connection()
    dialect = conn.dialect.name
    stmt = _STATEMENTS.get((dialect, name))
    if stmt is None:
        stmt = _STATEMENTS[(dialect, name)] = build(dialect)
    return conn.execute(stmt, params)


def _seats_query(_: str) -> Any:
    # SQLite (one writer at a time, no row locks): ``experiment_id = ? AND visitor_id IN (…)``
    # is an index search, where a row-value ``IN`` of several pairs was planned as a full scan.
    a = ASSIGNMENTS.c
    return (
        select(a.id, a.experiment_id, a.visitor_id, a.variant_id, a.funnel_step)
        .where(
            a.experiment_id == bindparam("experiment"),
            a.visitor_id.in_(bindparam("visitors", expanding=True)),
        )
        .order_by(a.visitor_id)
    )


# PostgreSQL: one lookup (and row lock) per visitor, in the order given. With ``visitor_id IN
# (…)`` and no statistics yet (a young table) it scanned every assignment of the experiment.
_SEATS_POSTGRES = (
    "SELECT a.id, a.experiment_id, a.visitor_id, a.variant_id, a.funnel_step "
    "FROM json_array_elements_text(%s::json) AS v(visitor_id) CROSS JOIN LATERAL ("
    "SELECT id, experiment_id, visitor_id, variant_id, funnel_step FROM assignments "
    "WHERE experiment_id = %s AND visitor_id = v.visitor_id FOR UPDATE) AS a"
)
# ``id = ANY(…)`` is a primary-key lookup whatever the statistics say (a join could be hashed).
# ``jsonb``: parsed once per statement, where ``json ->>`` reads the text again for every row
# (400 rows: 11.6 ms against 1.5 ms).
_FUNNEL_POSTGRES = (
    "UPDATE assignments SET funnel_step = (%s::jsonb ->> id::text)::integer "
    "WHERE id = ANY(%s::bigint[])"
)


def _funnel_update(_: str) -> Any:
    a = ASSIGNMENTS.c
    return (
        ASSIGNMENTS.update()
        .where(a.id == bindparam("b_id"))
        .values(funnel_step=bindparam("b_step"))
    )


def _sqlite_value(value: Any) -> Any:
    """A parameter as SQLAlchemy's column types keep it on SQLite (text)."""
    convert = _SQLITE_TEXT.get(type(value))
    return value if convert is None else convert(value)


_SQLITE_TEXT: dict[type, Callable[[Any], str]] = {
    uuid.UUID: lambda value: value.hex,
    datetime: lambda value: sqlite_time(value),
    date: date.isoformat,
}


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else _uuid_from_text(value)


@lru_cache(maxsize=4096)
def _uuid_from_text(value: str) -> uuid.UUID:
    # SQLite hands back hex text; the ids that come back (experiments, variants, goals) are few.
    return uuid.UUID(value)


def _raw_insert(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    tail: str,
    returning: str = "",
    later: list[tuple[str, tuple[Any, ...]]] | None = None,
) -> list[Any]:
    """``INSERT … ON CONFLICT …`` as plain SQL: SQLAlchemy cannot cache the compiled form of
    its ON CONFLICT constructs, and compiling them for every group cost more than running
    them. PostgreSQL gets all rows as one JSON document (queued on ``later`` when given);
    SQLite an ``executemany``, or multi-row ``VALUES`` chunks when rows must come back."""
    conn = session.connection()
    suffix = f" {tail} RETURNING {returning}" if returning else f" {tail}"
    if conn.dialect.name == "postgresql":
        document = orjson.dumps([dict(zip(columns, row, strict=True)) for row in rows]).decode()
        sql = _recordset_insert(conn.dialect, table, columns) + suffix
        if later is not None and not returning:
            later.append((sql, (document,)))
            return []
        result = conn.exec_driver_sql(sql, (document,))
        return list(result.fetchall()) if returning else []
    values = [tuple(_sqlite_value(v) for v in row) for row in rows]
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608 (constants)
    one = "(" + ",".join("?" * len(columns)) + ")"
    if not returning:
        conn.exec_driver_sql(head + one + suffix, values)
        return []
    out: list[Any] = []
    per = max(1, 900 // len(columns))
    for start in range(0, len(values), per):
        chunk = values[start : start + per]
        params = tuple(v for row in chunk for v in row)
        out.extend(conn.exec_driver_sql(head + ",".join([one] * len(chunk)) + suffix, params))
    return out


@lru_cache(maxsize=64)
def _recordset_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    types = ", ".join(f"{c} {table.c[c].type.compile(dialect=dialect)}" for c in columns)
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table.name} ({names}) SELECT {names} "  # noqa: S608 (constants)
        f"FROM json_to_recordset(%s::json) AS t({types})"
    )


def write_group(session: Session, works: list[Work], *, look_first: bool = False) -> None:
    """Store ``works`` in the session's transaction (the caller commits)."""
    works = _authorized(session, works)
    new_events = _insert_events(
        session, [w for w in works if isinstance(w, EventWork)], look_first=look_first
    )
    assigns = [w for w in works if isinstance(w, AssignWork) and not w.check_only]
    if not new_events and not assigns:
        return
    deltas = _Deltas()
    # Most events count for no experiment (custom events no goal uses): only these are walked.
    scoped = [(c, ev, scope) for c, ev in new_events if (scope := _scope(c, ev))]
    seats = _load_seats(session, scoped, assigns)
    _first_exposures(session, scoped, assigns, seats, deltas)
    conversions: dict[tuple[uuid.UUID, uuid.UUID, str], list[Any]] = {}
    for catalog, event, scope in scoped:
        _apply(catalog, event, scope, seats, deltas, conversions)
    _store_conversions(session, conversions, deltas)
    tail: list[tuple[str, tuple[Any, ...]]] = []  # PostgreSQL: sent in one round trip
    _store_funnel_steps(session, seats, tail)
    _store_aggregates(session, deltas, tail)
    if tail:
        with _driver(session) as raw, raw.pipeline(), raw.cursor() as cursor:
            for sql, params in tail:
                cursor.execute(sql, params)


# --------------------------------------------------------------------------- 1. events


def _key_check(_: str) -> Any:
    """The rule of ``projects.service.project_for_key`` for many keys in one query: a key that is
    not revoked, of a project whose organization's owner is an active member and user.

    On PostgreSQL the projects found are locked ``FOR KEY SHARE`` until the group commits (what
    a foreign key from each event would have done, once per group instead of once per row): a
    project cannot be deleted in between, so no event outlives its project."""
    k, p, m, u = (
        ApiKey.__table__.c,
        Project.__table__.c,
        Membership.__table__.c,
        User.__table__.c,
    )
    owner_active = (
        select(m.id)
        .join(User.__table__, u.id == m.user_id)
        .where(
            m.org_id == p.org_id,
            m.role == "owner",
            m.status == "active",
            u.is_active.is_(True),
        )
        .exists()
    )
    return (
        select(k.key_hash, p.id)
        .join(Project.__table__, p.id == k.project_id)
        .where(k.key_hash.in_(bindparam("hashes", expanding=True)), k.revoked_at.is_(None))
        .where(owner_active)
        .with_for_update(read=True, key_share=True, of=Project.__table__)
    )


def _authorized(session: Session, works: list[Work]) -> list[Work]:
    """Check every key of the group again, in the transaction that stores its data: the
    request path trusts a one-second cache, this makes a revoked key fail at once."""
    hashes = {
        w.api_key: sha256_hex(w.api_key)
        for w in works
        if w.api_key.startswith(API_KEY_PREFIX) and len(w.api_key) <= 64
    }
    rows = _run(session, "keys", _key_check, {"hashes": sorted(set(hashes.values()))})
    project_by_hash = {row[0]: _as_uuid(row[1]) for row in rows}
    kept: list[Work] = []
    for work in works:
        pid = work.catalog.project_id if isinstance(work, EventWork) else work.project_id
        digest = hashes.get(work.api_key)
        work.unauthorized = digest is None or project_by_hash.get(digest) != pid
        if not work.unauthorized:
            kept.append(work)
    return kept


class ConcurrentWrite(Exception):
    """Some event ids were stored already (or meanwhile, by another process): redo the group,
    looking first."""


_EVENT_COLUMNS = (
    "project_id, event_id, event_name, visitor_id, session_id, experiment_id, variant_id, "
    "device_type, event_data, occurred_at, received_at, ip_prefix"
)
_INSERT_EVENTS_SQLITE = (
    f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "  # noqa: S608
    "ON CONFLICT (project_id, event_id) DO NOTHING"
)
_COPY_EVENTS = f"COPY events ({_EVENT_COLUMNS}) FROM STDIN (FORMAT BINARY)"
# Binary COPY needs each column's type spelled out; it costs a third of the client's CPU of the
# text format (psycopg formats binary rows in C). ``varchar`` and ``json`` read the binary form
# of ``text`` (the bytes; ``json`` checks them), so the JSON already written goes as it is.
_COPY_EVENT_TYPES = (
    "uuid", "text", "text", "text", "text", "uuid", "uuid", "text", "text",
    "timestamptz", "timestamptz", "text",
)  # fmt: skip


def sqlite_time(moment: datetime) -> str:
    """A time as SQLite keeps it here."""
    # The text SQLAlchemy's UTCDateTime keeps on SQLite (naive UTC, microseconds); the offset
    # isoformat adds to an aware time is cut off.
    return moment.isoformat(" ", "microseconds")[:26]


def _insert_events(
    session: Session, works: list[EventWork], *, look_first: bool
) -> list[tuple[ProjectCatalog, CleanEvent]]:
    """Insert the group's events in one statement (the hot path of ingestion).

    Optimistically, nothing is a duplicate: SQLite gets ``INSERT … ON CONFLICT DO NOTHING``
    for all rows, PostgreSQL a ``COPY``. If some ids existed (replays, or another process won
    a race) fewer rows are stored, or the COPY fails: the caller rolls back and redoes the
    group with ``look_first``, which reads the stored ids first (one indexed read per chunk)
    and inserts only the others. The events come back in arrival order, for the derivations.
    """
    conn = session.connection()
    # Per project, the ids already stored (only when looking first) and those seen in this group.
    stored: dict[uuid.UUID, set[str]] = {}
    if look_first:
        e = EVENTS.c
        for pid, wanted in _ids_by_project(works).items():
            found = stored[pid] = set()
            for start in range(0, len(wanted), _CHUNK):
                query = select(e.event_id).where(
                    e.project_id == pid, e.event_id.in_(wanted[start : start + _CHUNK])
                )
                found.update(row[0] for row in conn.execute(query))
    seen: dict[uuid.UUID, set[str]] = {}
    chosen: list[tuple[EventWork, CleanEvent]] = []
    new: list[tuple[ProjectCatalog, CleanEvent]] = []
    for work in works:
        inserted = work.inserted = [False] * len(work.events)
        pid = work.catalog.project_id
        ids = seen.setdefault(pid, set())
        skip = stored.get(pid, ())
        for i, ev in enumerate(work.events):
            event_id = ev.event_id
            if event_id in ids or event_id in skip:  # twice in this group: the first one wins
                continue
            ids.add(event_id)
            inserted[i] = True
            chosen.append((work, ev))
            new.append((work.catalog, ev))
    if chosen:
        chosen.sort(key=lambda we: we[1].event_id)  # one order for concurrent writers
        if conn.dialect.name == "sqlite":
            stored_now = _events_sqlite(session, chosen)
        else:
            stored_now = _events_postgres(session, chosen)
        if stored_now != len(chosen):
            raise ConcurrentWrite(f"{len(chosen) - stored_now} event ids already stored")
    return new


def _ids_by_project(works: list[EventWork]) -> dict[uuid.UUID, list[str]]:
    ids: dict[uuid.UUID, list[str]] = {}
    for work in works:
        ids.setdefault(work.catalog.project_id, []).extend(ev.event_id for ev in work.events)
    return ids


def _events_sqlite(session: Session, chosen: list[tuple[EventWork, CleanEvent]]) -> int:
    rows: list[tuple[Any, ...]] = []
    times: dict[datetime, str] = {}
    current: EventWork | None = None
    pid = received = ""
    for work, ev in chosen:
        if work is not current:
            current, pid, received = (
                work,
                work.catalog.project_id.hex,
                sqlite_time(work.received_at),
            )
        occurred = times.get(ev.occurred_at)
        if occurred is None:
            occurred = times[ev.occurred_at] = sqlite_time(ev.occurred_at)
        rows.append(
            (
                pid,
                ev.event_id,
                ev.event_name,
                ev.visitor_id,
                ev.session_id,
                ev.experiment_id.hex if ev.experiment_id is not None else None,
                ev.variant_id.hex if ev.variant_id is not None else None,
                ev.device_type,
                orjson.dumps(ev.data).decode(),
                occurred,
                received,
                work.ip_prefix,
            )
        )
    result = session.connection().exec_driver_sql(_INSERT_EVENTS_SQLITE, rows)
    return int(result.rowcount)


@contextmanager
def _driver(session: Session) -> Iterator[psycopg.Connection[Any]]:
    """psycopg itself, for what SQLAlchemy does not offer (``COPY``, pipelines); its errors
    reach the writer as SQLAlchemy's, and a lost connection leaves the pool."""
    conn = session.connection()
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        yield raw
    except psycopg.errors.UniqueViolation as exc:
        raise ConcurrentWrite("some event ids are stored already") from exc
    except psycopg.OperationalError as exc:
        conn.invalidate(exc)
        raise sa_exc.OperationalError("(driver)", None, exc) from exc


def _events_postgres(session: Session, chosen: list[tuple[EventWork, CleanEvent]]) -> int:
    """``COPY``: PostgreSQL stores rows this way at a fraction of the CPU of any ``INSERT``.
    COPY knows no ``ON CONFLICT``: a stored id aborts it, and the group is redone looking first."""
    with _driver(session) as raw, raw.cursor() as cursor, cursor.copy(_COPY_EVENTS) as copy:
        copy.set_types(_COPY_EVENT_TYPES)
        for work, ev in chosen:
            copy.write_row(
                (
                    work.catalog.project_id,
                    ev.event_id,
                    ev.event_name,
                    ev.visitor_id,
                    ev.session_id,
                    ev.experiment_id,
                    ev.variant_id,
                    ev.device_type,
                    orjson.dumps(ev.data).decode(),
                    ev.occurred_at,
                    work.received_at,
                    work.ip_prefix,
                )
            )
    return len(chosen)


# --------------------------------------------------------------------------- 2. assignments


Scoped = list[tuple[ProjectCatalog, CleanEvent, tuple[ExperimentInfo, ...]]]


def _load_seats(
    session: Session, scoped: Scoped, assigns: list[AssignWork]
) -> dict[tuple[uuid.UUID, str], _Seat]:
    pairs: set[tuple[uuid.UUID, str]] = set()
    for _, ev, scope in scoped:
        for exp in scope:
            pairs.add((exp.id, ev.visitor_id))
    pairs.update((w.experiment.id, w.visitor_id) for w in assigns)
    seats: dict[tuple[uuid.UUID, str], _Seat] = {}
    _read_seats(session, pairs, seats)
    return seats


def _read_seats(
    session: Session,
    pairs: Iterable[tuple[uuid.UUID, str]],
    seats: dict[tuple[uuid.UUID, str], _Seat],
) -> None:
    """The stored assignments of ``pairs``, locked in one order (experiment, visitor) so that
    concurrent writers cannot deadlock."""
    by_experiment: dict[uuid.UUID, list[str]] = {}
    for experiment_id, visitor_id in pairs:
        by_experiment.setdefault(experiment_id, []).append(visitor_id)
    postgres = session.connection().dialect.name == "postgresql"
    for experiment_id in sorted(by_experiment, key=str):
        visitors = sorted(by_experiment[experiment_id])
        for start in range(0, len(visitors), _CHUNK):
            chunk = visitors[start : start + _CHUNK]
            if postgres:
                rows = session.connection().exec_driver_sql(
                    _SEATS_POSTGRES, (orjson.dumps(chunk).decode(), experiment_id)
                )
            else:
                params = {"experiment": experiment_id, "visitors": chunk}
                rows = _run(session, "seats", _seats_query, params)
            for row in rows:
                seats[(row[1], row[2])] = _Seat(row[0], row[3], row[4], row[4])


def _first_exposures(
    session: Session,
    scoped: Scoped,
    assigns: list[AssignWork],
    seats: dict[tuple[uuid.UUID, str], _Seat],
    deltas: _Deltas,
) -> None:
    wanted: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    owners: dict[tuple[uuid.UUID, str], AssignWork] = {}
    inserted: set[tuple[uuid.UUID, str]] = set()
    for work in assigns:
        key = (work.experiment.id, work.visitor_id)
        if work.store and work.variant_id and key not in seats and key not in wanted:
            wanted[key] = _seat_row(key, work.variant_id, work.at, "server")
            owners[key] = work
    for _, ev, scope in scoped:
        if ev.event_name != "page_view" or ev.experiment_id is None or ev.variant_id is None:
            continue
        exp = scope[0]  # the experiment it names, counted (else it has no scope)
        key = (exp.id, ev.visitor_id)
        if key not in seats and key not in wanted:
            wanted[key] = _seat_row(key, ev.variant_id, ev.occurred_at, "event")
    if wanted:
        keys = sorted(wanted, key=lambda p: (str(p[0]), p[1]))
        columns = ("experiment_id", "visitor_id", "variant_id", "assigned_at", "source")
        rows = [(*(wanted[k][c] for c in columns), 0) for k in keys]
        returned = _raw_insert(
            session,
            ASSIGNMENTS,
            (*columns, "funnel_step"),
            rows,
            "ON CONFLICT (experiment_id, visitor_id) DO NOTHING",
            "id, experiment_id, visitor_id, variant_id",
        )
        for row in returned:
            exp_id, variant_id = _as_uuid(row[1]), _as_uuid(row[3])
            key = (exp_id, row[2])
            inserted.add(key)
            seats[key] = _Seat(row[0], variant_id, 0, 0)
            day = wanted[key]["assigned_at"].date()
            deltas.variant_row(exp_id, variant_id, day)[1] += 1
        lost = [k for k in wanted if k not in inserted]  # another process wrote them first
        if lost:
            _read_seats(session, lost, seats)
    for work in assigns:
        key = (work.experiment.id, work.visitor_id)
        seat = seats.get(key)
        work.new = seat is not None and key in inserted and owners.get(key) is work
        work.variant_id = seat.variant_id if seat is not None else None


def _seat_row(
    key: tuple[uuid.UUID, str], variant_id: uuid.UUID, at: datetime, source: str
) -> dict[str, Any]:
    return {
        "experiment_id": key[0],
        "visitor_id": key[1],
        "variant_id": variant_id,
        "assigned_at": at,
        "source": source,
        "funnel_step": 0,
    }


# --------------------------------------------------------------------------- 3. derive


def _scope(catalog: ProjectCatalog, ev: CleanEvent) -> tuple[ExperimentInfo, ...]:
    """The experiments an event can count for: the one it names, else all counted ones."""
    if ev.experiment_id is not None:
        exp = catalog.experiments.get(ev.experiment_id)
        return (exp,) if exp is not None and exp.counted else ()
    if ev.event_name in ("conversion", "page_view", "page_exit"):
        return catalog.counted
    return catalog.by_event.get(ev.event_name, ())  # custom: only experiments that use the name


def _path(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return None


def url_matches(pattern: str | None, path: str | None) -> bool:
    """The spec's funnel URL rule: empty or ``/`` is the homepage only; anything else is a
    case-sensitive "pathname contains" (the hostname is ignored)."""
    if path is None:
        return False
    wanted = (pattern or "").strip()
    if wanted.startswith(("http://", "https://")):
        wanted = _path(wanted) or "/"
    if wanted in ("", "/"):
        return path == "/"
    return wanted in path


def _step_matches(step: StepInfo, ev: CleanEvent, path: str | None) -> bool:
    if step.event_name and ev.event_name == step.event_name:
        return True
    return ev.event_name == "page_view" and url_matches(step.url, path)


def _goals_hit(exp: ExperimentInfo, ev: CleanEvent, url: str) -> list[GoalInfo]:
    name = ev.event_name
    if name == "conversion":
        goal_id = ev.data.get("goal_id")
        if goal_id:
            return [g for g in exp.goals if str(g.id) == str(goal_id).lower()]
        primary = exp.primary_goal
        return [primary] if primary is not None else []
    if name == "page_view":  # as the snippet does: the page's full URL contains the goal's
        return [g for g in exp.goals if g.kind == "page_view" and g.url and g.url in url]
    if name == "page_exit":
        return []
    return list(exp.custom_goals.get(name, ()))


def _apply(
    catalog: ProjectCatalog,
    ev: CleanEvent,
    scope: tuple[ExperimentInfo, ...],
    seats: dict[tuple[uuid.UUID, str], _Seat],
    deltas: _Deltas,
    conversions: dict[tuple[uuid.UUID, uuid.UUID, str], list[Any]],
) -> None:
    raw_url = ev.data.get("url") if ev.event_name == "page_view" else None
    url = raw_url if isinstance(raw_url, str) else ""
    path = _path(url)
    day = ev.occurred_at.date()
    for exp in scope:
        seat = seats.get((exp.id, ev.visitor_id))
        if seat is None:  # never exposed: the event is logged but counts for no variant
            continue
        if ev.event_name == "page_view":
            deltas.variant_row(exp.id, seat.variant_id, day)[2] += 1
        elif ev.event_name == "page_exit":
            row = deltas.variant_row(exp.id, seat.variant_id, day)
            row[3] += 1
            duration = int(ev.data.get("duration_ms") or 0)
            if duration < BOUNCE_MS and not ev.data.get("interacted"):
                row[4] += 1
            else:
                row[5] += duration
                row[6] += 1
        value = ev.data.get("value") if ev.event_name != "page_exit" else None
        revenue = float(value) if isinstance(value, int | float) and value > 0 else 0.0
        for goal in _goals_hit(exp, ev, url):
            key = (exp.id, goal.id, ev.visitor_id)
            conv = conversions.get(key)
            if conv is None:
                conversions[key] = [seat.variant_id, revenue, 1, ev.occurred_at]
            else:
                conv[1] += revenue
                conv[2] += 1
        # Steps count only in order: an event can satisfy the next step, never a later one.
        if (
            exp.funnel
            and catalog.funnels_enabled
            and seat.funnel_step < len(exp.funnel)
            and _step_matches(exp.funnel[seat.funnel_step], ev, path)
        ):
            seat.funnel_step += 1
            fkey = (seat.variant_id, seat.funnel_step, day)
            frow = deltas.funnel.get(fkey)
            if frow is None:
                deltas.funnel[fkey] = [exp.id, 1]
            else:
                frow[1] += 1


# --------------------------------------------------------------------------- 4-5. write


def _store_conversions(
    session: Session,
    conversions: dict[tuple[uuid.UUID, uuid.UUID, str], list[Any]],
    deltas: _Deltas,
) -> None:
    if not conversions:
        return
    keys = sorted(conversions, key=lambda k: (str(k[0]), str(k[1]), k[2]))
    rows = [(k[0], k[1], k[2], *conversions[k]) for k in keys]
    returned = _raw_insert(
        session,
        CONVERSIONS,
        ("experiment_id", "goal_id", "visitor_id", "variant_id", "revenue", "events", "first_at"),
        rows,
        "ON CONFLICT (experiment_id, goal_id, visitor_id) DO UPDATE SET "
        "revenue = conversions.revenue + excluded.revenue, "
        "events = conversions.events + excluded.events",
        "experiment_id, goal_id, visitor_id, variant_id, revenue, events",
    )
    for raw in returned:
        row = (_as_uuid(raw[0]), _as_uuid(raw[1]), raw[2], _as_uuid(raw[3]), raw[4], raw[5])
        key = (row[0], row[1], row[2])
        _, added, count, first_at = conversions[key]
        total = float(row[4])
        old = total - added
        day = first_at.date()
        gkey = (row[1], row[3], day)
        grow = deltas.goal.get(gkey)
        if grow is None:
            grow = deltas.goal[gkey] = [row[0], 0, 0.0, 0.0]
        if int(row[5]) == count:  # this transaction created the row: a new converting visitor
            grow[1] += 1
            old = 0.0
        grow[2] += added
        grow[3] += total * total - old * old


def _store_funnel_steps(
    session: Session,
    seats: dict[tuple[uuid.UUID, str], _Seat],
    tail: list[tuple[str, tuple[Any, ...]]],
) -> None:
    moved = [
        {"b_id": s.id, "b_step": s.funnel_step}
        for s in seats.values()
        if s.funnel_step != s.start_step
    ]
    if not moved:
        return
    moved.sort(key=lambda r: r["b_id"])
    if session.connection().dialect.name == "postgresql":
        steps = orjson.dumps({str(r["b_id"]): r["b_step"] for r in moved}).decode()
        ids = [r["b_id"] for r in moved]
        tail.append((_FUNNEL_POSTGRES, (steps, ids)))
    else:
        _run(session, "funnel", _funnel_update, moved)


def _store_aggregates(
    session: Session, deltas: _Deltas, tail: list[tuple[str, tuple[Any, ...]]]
) -> None:
    if deltas.variant:
        rows = [
            {
                "variant_id": k[0],
                "day": k[1],
                "experiment_id": v[0],
                "visitors": v[1],
                "page_views": v[2],
                "exits": v[3],
                "bounces": v[4],
                "time_on_page_ms": v[5],
                "time_on_page_count": v[6],
            }
            for k, v in sorted(deltas.variant.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
        ]
        _upsert_add(
            session,
            VARIANT_DAILY,
            ["variant_id", "day"],
            ["visitors", "page_views", "exits", "bounces", "time_on_page_ms", "time_on_page_count"],
            rows,
            tail,
        )
    if deltas.goal:
        rows = [
            {
                "goal_id": k[0],
                "variant_id": k[1],
                "day": k[2],
                "experiment_id": v[0],
                "conversions": v[1],
                "revenue_sum": v[2],
                "revenue_sumsq": v[3],
            }
            for k, v in sorted(
                deltas.goal.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]), kv[0][2])
            )
        ]
        _upsert_add(
            session,
            GOAL_DAILY,
            ["goal_id", "variant_id", "day"],
            ["conversions", "revenue_sum", "revenue_sumsq"],
            rows,
            tail,
        )
    if deltas.funnel:
        rows = [
            {"variant_id": k[0], "step": k[1], "day": k[2], "experiment_id": v[0], "reached": v[1]}
            for k, v in sorted(
                deltas.funnel.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2])
            )
        ]
        _upsert_add(session, FUNNEL_DAILY, ["variant_id", "step", "day"], ["reached"], rows, tail)


def _upsert_add(
    session: Session,
    table: Table,
    keys: list[str],
    counters: list[str],
    rows: list[dict[str, Any]],
    tail: list[tuple[str, tuple[Any, ...]]],
) -> None:
    columns = tuple(rows[0])
    increments = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in counters)
    _raw_insert(
        session,
        table,
        columns,
        [tuple(r[c] for c in columns) for r in rows],
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {increments}",
        later=tail,
    )
