"""Shapes of the public ingestion API, for the OpenAPI document.

The handlers read the bytes themselves (``text/plain`` bodies, gzip, per-event rejection), so
these models document the API rather than parse it; ``validation.py`` does the checking.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field


class EventIn(BaseModel):
    event_name: str = Field(max_length=100, examples=["conversion"])
    visitor_id: str = Field(max_length=128, examples=["visitor_123"])
    session_id: str | None = Field(default=None, max_length=128)
    event_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Client id; retries reuse it."
    )
    timestamp: str | int | None = Field(default=None, description="ISO 8601 or epoch ms.")
    experiment_id: uuid.UUID | None = None
    variant_id: uuid.UUID | None = None
    event_data: dict[str, Any] = Field(default_factory=dict)
    device_type: Literal["desktop", "tablet", "mobile"] | None = None
    api_key: str | None = Field(default=None, description="Instead of the X-API-Key header.")


class BatchIn(BaseModel):
    events: list[EventIn] = Field(max_length=500)
    api_key: str | None = Field(default=None, description="Instead of the X-API-Key header.")


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    field: str | None
    reason: str


class IngestOut(BaseModel):
    accepted: int = Field(description="New events stored (committed) by this request.")
    duplicates: int = Field(description="Events whose event_id was already stored.")
    rejected: list[RejectedEvent]
    event_id: str | None = Field(default=None, description="The stored id (track only).")


class TargetingDataIn(BaseModel):
    url: str | None = None
    device: Literal["desktop", "tablet", "mobile"] | None = None
    country: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class AssignIn(BaseModel):
    visitor_id: str = Field(max_length=128)
    targeting_data: TargetingDataIn = Field(default_factory=TargetingDataIn)
    api_key: str | None = None


class VariantOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    changes: list[dict[str, Any]]


class AssignOut(BaseModel):
    experiment_id: uuid.UUID
    experiment_slug: str
    visitor_id: str
    in_experiment: bool
    variant: VariantOut | None
    reason: Literal["not_live", "targeting", "traffic"] | None = Field(
        description="Why the visitor is not in the experiment."
    )
    failed_check: Literal["url", "device", "country", "attributes"] | None = Field(
        default=None, description="With reason `targeting`: the check that did not match."
    )
