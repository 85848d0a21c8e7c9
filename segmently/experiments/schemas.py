"""Pydantic shapes of an experiment's configuration, in and out.

Structure and types are checked here; the rules that need context (weights summing to 100,
safe regexes, plan gates) are checked by ``validation.py`` with messages that name the field.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChangeType = Literal["hide", "remove", "text", "html", "attribute", "css", "js"]
UrlRuleType = Literal["exact", "contains", "starts_with", "ends_with", "regex"]
Device = Literal["all", "desktop", "tablet", "mobile"]
AttributeOp = Literal["equals", "not_equals", "in", "contains", "greater", "less", "exists"]
GoalKind = Literal["click", "form_submit", "page_view", "custom_event"]
Status = Literal["draft", "live", "paused", "archived"]
WebhookEvent = Literal[
    "experiment.started",
    "experiment.paused",
    "experiment.archived",
    "significance.reached",
]

# Generous structural caps; the precise limits (and their messages) live in validation.py.
BIG = 3_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangeIn(Strict):
    type: ChangeType
    selector: str | None = Field(default=None, max_length=BIG)
    value: str | None = Field(default=None, max_length=BIG)
    attribute: str | None = Field(default=None, max_length=BIG)


class VariantIn(Strict):
    key: str | None = Field(default=None, max_length=1000)
    name: str = Field(max_length=1000)
    weight: int = Field(ge=-(10**9), le=10**9)
    changes: list[ChangeIn] = Field(default_factory=list, max_length=10_000)


class UrlRuleIn(Strict):
    type: UrlRuleType
    value: str = Field(max_length=BIG)


class AttributeConditionIn(Strict):
    name: str = Field(max_length=1000)
    op: AttributeOp
    value: str | float | bool | list[str | float] | None = None


class TargetingIn(Strict):
    url_rules: list[UrlRuleIn] = Field(default_factory=list, max_length=10_000)
    device: Device = "all"
    countries: list[str] = Field(default_factory=list, max_length=10_000)
    attributes: list[AttributeConditionIn] = Field(default_factory=list, max_length=10_000)


class GoalIn(Strict):
    name: str = Field(max_length=1000)
    kind: GoalKind
    selector: str | None = Field(default=None, max_length=BIG)
    url: str | None = Field(default=None, max_length=BIG)
    event_name: str | None = Field(default=None, max_length=BIG)
    primary: bool = False


class FunnelStepIn(Strict):
    label: str = Field(max_length=1000)
    url: str = Field(default="", max_length=BIG)
    event_name: str | None = Field(default=None, max_length=BIG)


class ScheduleIn(Strict):
    start_at: datetime | None = None
    end_at: datetime | None = None
    auto_pause_at_significance: bool = False


class IntegrationsIn(Strict):
    ga4_measurement_id: str | None = Field(default=None, max_length=1000)
    mixpanel_token: str | None = Field(default=None, max_length=1000)
    slack_webhook_url: str | None = Field(default=None, max_length=BIG)
    webhook_url: str | None = Field(default=None, max_length=BIG)
    webhook_events: list[WebhookEvent] = Field(default_factory=list, max_length=100)


class ExperimentConfigIn(Strict):
    """The whole configuration of an experiment (create, or replace a draft's)."""

    name: str = Field(max_length=1000)
    slug: str | None = Field(default=None, max_length=1000)
    description: str = Field(default="", max_length=BIG)
    hypothesis: str = Field(default="", max_length=BIG)
    activation_delay_ms: int = Field(default=100, ge=-(10**12), le=10**12)
    traffic_percentage: int = Field(default=100, ge=-(10**12), le=10**12)
    variants: list[VariantIn] = Field(
        default_factory=lambda: [
            VariantIn(key="control", name="Control", weight=50),
            VariantIn(key="variant_a", name="Variation A", weight=50),
        ],
        max_length=1000,
    )
    targeting: TargetingIn = Field(default_factory=TargetingIn)
    goals: list[GoalIn] = Field(default_factory=list, max_length=1000)
    funnel_steps: list[FunnelStepIn] = Field(default_factory=list, max_length=1000)
    schedule: ScheduleIn = Field(default_factory=ScheduleIn)
    cross_domains: list[str] = Field(default_factory=list, max_length=1000)
    integrations: IntegrationsIn = Field(default_factory=IntegrationsIn)


class ManagedExperimentIn(ExperimentConfigIn):
    project_id: uuid.UUID


class ExperimentPatch(Strict):
    """The management API's PATCH: status and/or traffic percentage (spec: "active" = live)."""

    status: Literal["draft", "active", "live", "paused", "archived"] | None = None
    traffic_percentage: int | None = Field(default=None, ge=-(10**12), le=10**12)


class ChangeOut(BaseModel):
    type: str
    selector: str | None = None
    value: str | None = None
    attribute: str | None = None


class VariantOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    weight: int
    changes: list[ChangeOut]


class GoalOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    selector: str | None
    url: str | None
    event_name: str | None
    primary: bool


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class ExperimentOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    slug: str
    name: str
    description: str
    hypothesis: str
    status: Status
    allowed_transitions: list[str]
    activation_delay_ms: int
    traffic_percentage: int
    variants: list[VariantOut]
    targeting: dict[str, Any]
    goals: list[GoalOut]
    funnel_steps: list[dict[str, Any]]
    schedule: dict[str, Any]
    cross_domains: list[str]
    integrations: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    updated_at: datetime | None


class ExperimentSummary(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    slug: str
    name: str
    status: Status
    variant_count: int
    traffic_percentage: int
    created_at: datetime
    started_at: datetime | None


class ExperimentList(BaseModel):
    items: list[ExperimentSummary]


class TransitionIn(Strict):
    action: Literal["start", "pause", "resume", "archive", "reinstate"]
