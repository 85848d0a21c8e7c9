from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from segmently.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Experiment(IdMixin, CreatedMixin, Base):
    __tablename__ = "experiments"
    __table_args__ = (
        UniqueConstraint("project_id", "slug", name="uq_experiments_project_slug"),
        Index("ix_experiments_project_status", "project_id", "status"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    slug: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    hypothesis: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="draft", nullable=False)
    # The hashing seed is fixed at creation: renaming or re-slugging never moves a visitor.
    seed: Mapped[str] = mapped_column(String(64), nullable=False)
    activation_delay_ms: Mapped[int] = mapped_column(Integer, default=100, nullable=False)
    traffic_percentage: Mapped[int] = mapped_column(Integer, default=100, nullable=False)
    targeting: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    funnel_steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, nullable=False)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    cross_domains: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    integrations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set once, the first time the winner reaches 95% confidence; never cleared.
    significance_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    variants: Mapped[list[Variant]] = relationship(
        back_populates="experiment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Variant.position",
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="experiment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Goal.position",
    )


class Variant(IdMixin, Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("experiment_id", "key", name="uq_variants_experiment_key"),)

    experiment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, nullable=False)

    experiment: Mapped[Experiment] = relationship(back_populates="variants")


class Goal(IdMixin, Base):
    __tablename__ = "goals"

    experiment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # click | form_submit | page_view | custom_event
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    selector: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    event_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    is_primary: Mapped[bool] = mapped_column(default=False, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    experiment: Mapped[Experiment] = relationship(back_populates="goals")


class ExperimentAudit(IdMixin, CreatedMixin, Base):
    """Who changed what and when, shown on the experiment page."""

    __tablename__ = "experiment_audit"
    __table_args__ = (Index("ix_experiment_audit_experiment", "experiment_id", "created_at"),)

    experiment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    )
    actor: Mapped[str] = mapped_column(String(300), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)


class ProjectConfig(Base):
    """The compiled, versioned document the snippet needs for one project."""

    __tablename__ = "project_configs"

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ManagementKey(IdMixin, CreatedMixin, Base):
    """An organization's ``seg_mgmt_`` key: shown once, stored as SHA-256 only."""

    __tablename__ = "management_keys"

    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    hint: Mapped[str] = mapped_column(String(20), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
