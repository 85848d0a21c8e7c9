from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


class Interval(BaseModel):
    estimate: float
    low: float
    high: float


class RevenueOut(BaseModel):
    total: float
    per_visitor: float
    average_order_value: float
    # Welch's t-test of revenue per visitor against the control (None for the control).
    p_value: float | None
    difference: Interval | None


class GoalVariantOut(BaseModel):
    variant_id: uuid.UUID
    key: str
    name: str
    is_control: bool
    visitors: int
    conversions: int
    conversion_rate: float  # percent
    confidence: float  # the spec's z-test confidence, percent (0 for the control)
    p_value: float | None
    adjusted_p_value: float | None  # Holm–Bonferroni across the treatments
    lift: Interval | None  # relative lift vs control, percent, delta-method interval
    absolute_lift: Interval | None  # percentage points
    chance_to_beat_control: float | None  # Bayesian, percent
    expected_loss: float | None  # Bayesian, percentage points of conversion rate
    sequential_p_value: float | None  # always-valid, safe under daily peeking
    revenue: RevenueOut


class WinnerOut(BaseModel):
    variant_id: uuid.UUID
    name: str
    conversion_rate: float
    confidence: float


class GoalResultsOut(BaseModel):
    goal_id: uuid.UUID | None
    goal_name: str
    kind: str | None
    primary: bool
    variants: list[GoalVariantOut]
    winner: WinnerOut | None
    message: str


class EngagementOut(BaseModel):
    variant_id: uuid.UUID
    avg_time_on_page_s: float | None
    bounce_rate: float | None  # percent of exits that bounced
    page_views: int


class SrmOut(BaseModel):
    p_value: float | None
    mismatch: bool
    message: str | None
    expected_share: dict[str, float]
    observed: dict[str, int]


class FunnelStepOut(BaseModel):
    step: int
    label: str
    reached: dict[str, int]  # variant key → visitors
    rate: dict[str, float]  # of the variant's visitors, percent
    drop_off: dict[str, float]  # from the previous step, percent


class FunnelOut(BaseModel):
    steps: list[FunnelStepOut]
    completion: dict[str, float]  # reached last step / visitors, percent


class ResultsOut(BaseModel):
    experiment_id: uuid.UUID
    slug: str
    name: str
    status: str
    started_at: datetime | None
    duration_days: int
    total_visitors: int
    primary: GoalResultsOut
    secondary: list[GoalResultsOut]
    engagement: list[EngagementOut]
    srm: SrmOut
    funnel: FunnelOut | None
    significance_reached_at: datetime | None


class DailyPoint(BaseModel):
    day: date
    visitors: dict[str, int]
    conversions: dict[str, int]
    cumulative_rate: dict[str, float]
    lift: dict[str, Interval | None]  # cumulative relative lift vs control with its interval


class TimelineOut(BaseModel):
    experiment_id: uuid.UUID
    goal_id: uuid.UUID | None
    points: list[DailyPoint]


class OverviewRow(BaseModel):
    experiment_id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    slug: str
    name: str
    status: str
    created_at: datetime
    started_at: datetime | None
    visitors: int
    conversions: int
    conversion_rate: float


class OverviewOut(BaseModel):
    total: int
    active: int
    paused: int
    archived: int
    draft: int
    rows: list[OverviewRow]
