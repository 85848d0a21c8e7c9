from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from segmently.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Project(IdMixin, CreatedMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_org", "org_id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    base_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)

    api_keys: Mapped[list[ApiKey]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiKey(IdMixin, CreatedMixin, Base):
    """A project's publishable ``seg_live_`` key.

    It is public by design (it sits in every page's ``<script>`` tag), so the dashboard shows it;
    lookups go through its SHA-256 digest so the comparison never leaks timing on the key itself.
    """

    __tablename__ = "api_keys"

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    project: Mapped[Project] = relationship(back_populates="api_keys")
