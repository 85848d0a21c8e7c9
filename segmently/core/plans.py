"""Subscription tiers and their limits, as data (DESIGN.md: "Plans")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    PROFESSIONAL = "professional"
    BUSINESS = "business"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True, slots=True)
class Plan:
    """One tier's price and limits. ``None`` as a limit means unlimited."""

    tier: Tier
    name: str
    price_usd_month: int
    max_experiments: int | None
    max_projects: int | None
    max_seats: int | None
    retention_days: int
    badge_required: bool
    funnels: bool
    slack: bool
    scheduling: bool
    ga4_mixpanel: bool
    experiment_webhooks: bool
    rest_api: bool
    management_api: bool
    org_webhooks: bool
    multiple_organizations: bool


PLANS: dict[Tier, Plan] = {
    Tier.FREE: Plan(
        tier=Tier.FREE,
        name="Free",
        price_usd_month=0,
        max_experiments=1,
        max_projects=1,
        max_seats=1,
        retention_days=3,
        badge_required=True,
        funnels=False,
        slack=False,
        scheduling=False,
        ga4_mixpanel=False,
        experiment_webhooks=False,
        rest_api=False,
        management_api=False,
        org_webhooks=False,
        multiple_organizations=False,
    ),
    Tier.PROFESSIONAL: Plan(
        tier=Tier.PROFESSIONAL,
        name="Professional",
        price_usd_month=499,
        max_experiments=2,
        max_projects=1,
        max_seats=1,
        retention_days=7,
        badge_required=False,
        funnels=True,
        slack=True,
        scheduling=False,
        ga4_mixpanel=False,
        experiment_webhooks=False,
        rest_api=False,
        management_api=False,
        org_webhooks=False,
        multiple_organizations=False,
    ),
    Tier.BUSINESS: Plan(
        tier=Tier.BUSINESS,
        name="Business",
        price_usd_month=1499,
        max_experiments=3,
        max_projects=1,
        max_seats=2,
        retention_days=30,
        badge_required=False,
        funnels=True,
        slack=True,
        scheduling=True,
        ga4_mixpanel=True,
        experiment_webhooks=True,
        rest_api=True,
        management_api=False,
        org_webhooks=False,
        multiple_organizations=False,
    ),
    Tier.ENTERPRISE: Plan(
        tier=Tier.ENTERPRISE,
        name="Enterprise",
        price_usd_month=9999,
        max_experiments=None,
        max_projects=None,
        max_seats=None,
        retention_days=365,
        badge_required=False,
        funnels=True,
        slack=True,
        scheduling=True,
        ga4_mixpanel=True,
        experiment_webhooks=True,
        rest_api=True,
        management_api=True,
        org_webhooks=True,
        multiple_organizations=True,
    ),
}


def plan_for(tier: str) -> Plan:
    """Return the plan of a tier name; unknown names raise ``ValueError``."""
    return PLANS[Tier(tier)]


def within_limit(limit: int | None, used: int) -> bool:
    """True when one more item fits: ``used < limit`` (``None`` is unlimited)."""
    return limit is None or used < limit


def usage_label(used: int, limit: int | None, noun: str) -> str:
    """Badge text such as ``"1/1 Projects"`` or ``"4/∞ Projects"``."""
    shown = "∞" if limit is None else str(limit)
    return f"{used}/{shown} {noun}"
