"""Throw-away databases for benchmarks: a SQLite file, or a PostgreSQL database dropped after."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from segmently.db.engine import make_engine


@contextmanager
def scratch_database(
    label: str, workdir: Path, pg_url: str | None, *, name: str = "bench"
) -> Iterator[str]:
    """A fresh SQLite file in ``workdir`` (label "sqlite"), or a new PostgreSQL database created
    from the admin URL ``pg_url`` and dropped (forcibly) at the end."""
    if label == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    assert pg_url is not None
    admin = sa.create_engine(
        make_engine(pg_url).url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    database = f"segmently_{name}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    try:
        url = sa.engine.make_url(pg_url).set(database=database)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
