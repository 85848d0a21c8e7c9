from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from segmently.benchmarks.scratch import scratch_database
from segmently.db.base import Base
from segmently.db.engine import make_engine
from segmently.db.migrate import alembic_config, upgrade
from segmently.db.models import Event
from tests.conftest import PG_ADMIN_URL, _pg_admin


def test_migrations_build_every_mapped_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names


def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds nothing to do: the migrations describe exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_events_foreign_key_goes_and_comes_back(dialect: str, tmp_path: Path) -> None:
    """0005 drops the events → projects key; its downgrade drops orphaned events and restores it."""
    if dialect == "postgresql":
        admin = _pg_admin()
        if admin is None:
            pytest.skip("PostgreSQL not reachable")
        admin.dispose()
    with scratch_database(dialect, tmp_path, PG_ADMIN_URL, name="migrations") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            assert _event_keys(engine) == []
            with engine.begin() as conn:  # an event whose project is gone
                conn.execute(
                    sa.insert(Event).values(
                        project_id=uuid.uuid4(),
                        event_id="orphan",
                        event_name="page_view",
                        visitor_id="v",
                        event_data={},
                        occurred_at=datetime.now(UTC),
                        received_at=datetime.now(UTC),
                    )
                )
            cfg = alembic_config(url)
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0004")
            assert _event_keys(engine) == ["fk_events_project_id_projects"]
            with engine.connect() as conn:
                assert conn.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
            upgrade(engine)
            assert _event_keys(engine) == []
        finally:
            engine.dispose()


def _event_keys(engine: sa.Engine) -> list[str | None]:
    return [fk["name"] for fk in sa.inspect(engine).get_foreign_keys("events")]
