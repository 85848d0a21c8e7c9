"""Shared fixtures: every DB test runs on SQLite and on PostgreSQL.

Each pytest run gets its own SQLite file and its own PostgreSQL database (dropped at the end);
the schema is built once per run by the real Alembic migrations, and each test starts from
empty tables. Without a reachable PostgreSQL the PostgreSQL half is skipped with a message,
unless ``SEGMENTLY_REQUIRE_POSTGRES=1`` (CI), which makes it an error.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.base import Base
from segmently.db.engine import make_engine
from segmently.db.migrate import upgrade
from segmently.settings import Settings, load_settings
from segmently.web.app import create_app

PG_ADMIN_URL = os.environ.get(
    "SEGMENTLY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("SEGMENTLY_REQUIRE_POSTGRES") == "1"
_pg_skip_reason: list[str] = []


def _pg_admin() -> sa.Engine | None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        if REQUIRE_PG:
            raise RuntimeError(f"PostgreSQL is required but not reachable: {exc}") from exc
        _pg_skip_reason.append(
            f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        )
        return None
    return engine


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("db") / "segmently-test.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    admin = _pg_admin()
    if admin is None:
        pytest.skip(_pg_skip_reason[-1])
    name = f"segmently_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url: str = request.getfixturevalue(f"{request.param}_url")
    yield url
    _empty_tables(url)


def _empty_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


def make_settings(db_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "paths__data_dir": data_dir,
        "database__database_url": db_url,
        "auth__bcrypt_rounds": 10,
        "server__base_url": "http://testserver",
        "server__run_jobs": False,
        # Freezing the collector's view of a test process would keep earlier tests' objects.
        "server__tune_gc": False,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # With pytest-xdist the skips happen in the workers: read the reasons from their reports.
    reasons = set(_pg_skip_reason)
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and "PostgreSQL not reachable" in str(longrepr[-1]):
            reasons.add(str(longrepr[-1]).removeprefix("Skipped: "))
    for reason in sorted(reasons):
        terminalreporter.write_line(
            "NOTE: the PostgreSQL half of the DB tests was SKIPPED: " + reason,
            yellow=True,
            bold=True,
        )
