from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MemberOut(BaseModel):
    id: uuid.UUID
    name: str | None
    email: str | None
    role: str
    status: str
    created_at: datetime


class PlanOut(BaseModel):
    tier: str
    name: str
    price_usd_month: int
    max_experiments: int | None
    max_projects: int | None
    max_seats: int | None
    retention_days: int
    badge_required: bool


class OrganizationDetail(BaseModel):
    id: uuid.UUID
    name: str
    plan: PlanOut
    projects_usage: str
    seats_usage: str
    members: list[MemberOut]


class MemberStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "suspended"]


class ManagementKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=1000)


class ManagementKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    hint: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ManagementKeyCreated(ManagementKeyOut):
    key: str
