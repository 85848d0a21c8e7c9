from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10_000)
    base_url: str | None = Field(default=None, max_length=10_000)


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=10_000)
    base_url: str | None = Field(default=None, max_length=10_000)
    settings: dict[str, Any] | None = None


class ProjectOut(BaseModel):
    id: uuid.UUID
    name: str
    base_url: str | None
    settings: dict[str, Any]
    api_key: str
    snippet: str
    created_at: datetime


class ProjectList(BaseModel):
    items: list[ProjectOut]
    usage: str
    can_create: bool
    limit_reason: str | None


class KeyCheckOut(BaseModel):
    project_id: uuid.UUID
    project_name: str
