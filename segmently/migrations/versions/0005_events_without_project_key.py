"""events without a foreign key to projects

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:30:00

Checking the key cost PostgreSQL more per stored event than the insert itself; the writer checks
(and locks) the project once per group, and deleting a project deletes its events explicitly.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_events_project_id_projects", type_="foreignkey")


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE project_id NOT IN (SELECT id FROM projects)")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_events_project_id_projects",
            "projects",
            ["project_id"],
            ["id"],
            ondelete="CASCADE",
        )
