"""Model → response shapes, shared by the dashboard API and the management API."""

from __future__ import annotations

from segmently.db.models import Experiment
from segmently.experiments import lifecycle
from segmently.experiments.schemas import (
    ChangeOut,
    ExperimentOut,
    ExperimentSummary,
    GoalOut,
    VariantOut,
)

# Integrations are write-only secrets except what the page needs to know they are set.
SECRET_INTEGRATIONS = ("slack_webhook_url", "webhook_url", "mixpanel_token")


def experiment_out(e: Experiment, *, reveal_secrets: bool = True) -> ExperimentOut:
    integrations = dict(e.integrations or {})
    if not reveal_secrets:
        for key in SECRET_INTEGRATIONS:
            if integrations.get(key):
                integrations[key] = "••••••"
    return ExperimentOut(
        id=e.id,
        project_id=e.project_id,
        slug=e.slug,
        name=e.name,
        description=e.description,
        hypothesis=e.hypothesis,
        status=e.status,
        allowed_transitions=lifecycle.allowed_actions(e.status),
        activation_delay_ms=e.activation_delay_ms,
        traffic_percentage=e.traffic_percentage,
        variants=[
            VariantOut(
                id=v.id,
                key=v.key,
                name=v.name,
                weight=v.weight,
                changes=[ChangeOut(**c) for c in v.changes],
            )
            for v in e.variants
        ],
        targeting=e.targeting,
        goals=[
            GoalOut(
                id=g.id,
                name=g.name,
                kind=g.kind,
                selector=g.selector,
                url=g.url,
                event_name=g.event_name,
                primary=g.is_primary,
            )
            for g in e.goals
        ],
        funnel_steps=e.funnel_steps,
        schedule=e.schedule,
        cross_domains=e.cross_domains,
        integrations=integrations,
        created_at=e.created_at,
        started_at=e.started_at,
        updated_at=e.updated_at,
    )


def experiment_summary(e: Experiment) -> ExperimentSummary:
    return ExperimentSummary(
        id=e.id,
        project_id=e.project_id,
        slug=e.slug,
        name=e.name,
        status=e.status,
        variant_count=len(e.variants),
        traffic_percentage=e.traffic_percentage,
        created_at=e.created_at,
        started_at=e.started_at,
    )
