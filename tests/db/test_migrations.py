from __future__ import annotations

import sqlalchemy as sa

from segmently.db.base import Base
from segmently.db.engine import make_engine


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
