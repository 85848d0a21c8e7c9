"""Every rule an experiment's configuration must satisfy, each refused with a message naming
the field (``variants.1.weight``, ``targeting.url_rules.0.value``…)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from segmently.core.plans import Plan
from segmently.core.targeting import parse_targeting, validate_targeting
from segmently.errors import InvalidInput, PlanLimit
from segmently.experiments.schemas import ChangeIn, ExperimentConfigIn, GoalIn
from segmently.experiments.targeting_rules import check_country, check_url_rule
from segmently.kit.netguard import check_url
from segmently.kit.text import clean_name

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z0-9_]{1,40}$")
EVENT_RE = re.compile(r"^[A-Za-z0-9_.:$-]{1,100}$")
ATTR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
HTML_ATTR_RE = re.compile(r"^[A-Za-z_:][-A-Za-z0-9_:.]{0,99}$")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
GA4_RE = re.compile(r"^G-[A-Z0-9]{4,20}$")
MIXPANEL_RE = re.compile(r"^[A-Za-z0-9]{16,64}$")

DELAY_PRESETS = {"immediate": 0, "fast": 100, "standard": 500, "safe": 1000}
MAX_DELAY_MS = 5000
MAX_VARIANTS = 10
MAX_CHANGES = 200
MAX_SELECTOR = 1000
MAX_TEXT = 10_000
MAX_CODE = 100_000  # per HTML / CSS / JS change
MAX_CONFIG_BYTES = 512_000  # all variants' changes of one experiment together
MAX_GOALS = 20
MAX_FUNNEL_STEPS = 20
MAX_URL_RULES = 50
MAX_ATTRIBUTES = 20
MAX_DOMAINS = 20
MAX_LONG_TEXT = 5000


@dataclass(frozen=True)
class CleanConfig:
    """A validated configuration, ready to be written to the model."""

    name: str
    slug: str
    description: str
    hypothesis: str
    activation_delay_ms: int
    traffic_percentage: int
    variants: list[dict[str, Any]]
    targeting: dict[str, Any]
    goals: list[dict[str, Any]]
    funnel_steps: list[dict[str, Any]]
    schedule: dict[str, Any]
    cross_domains: list[str]
    integrations: dict[str, Any]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return slug or "experiment"


def _long_text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_LONG_TEXT:
        raise InvalidInput(f"{label} must be at most {MAX_LONG_TEXT} characters.", field=field)
    if "\x00" in value:
        raise InvalidInput(f"{label} must not contain NUL characters.", field=field)
    return value


def _selector(value: str | None, field: str) -> str:
    selector = (value or "").strip()
    if not selector:
        raise InvalidInput("A CSS selector is required.", field=field, code="empty_selector")
    if len(selector) > MAX_SELECTOR:
        raise InvalidInput(f"Selectors are limited to {MAX_SELECTOR} characters.", field=field)
    if any(ch in selector for ch in "{};\x00"):
        raise InvalidInput(
            "A selector cannot contain '{', '}', ';' or NUL: enter only the selector.",
            field=field,
            code="invalid_selector",
        )
    if selector.count("[") != selector.count("]") or selector.count("(") != selector.count(")"):
        raise InvalidInput(
            "The selector has unbalanced brackets.", field=field, code="invalid_selector"
        )
    return selector


def _sized(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str:
    text = value or ""
    if required and not text.strip():
        raise InvalidInput(f"{label} is required.", field=field)
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise InvalidInput(
            f"{label} is too large: at most {limit // 1000} KB.", field=field, code="too_large"
        )
    if "\x00" in text:
        raise InvalidInput(f"{label} must not contain NUL characters.", field=field)
    return text


def _change(change: ChangeIn, field: str) -> dict[str, Any]:
    kind = change.type
    out: dict[str, Any] = {"type": kind}
    if kind in ("hide", "remove"):
        out["selector"] = _selector(change.selector, f"{field}.selector")
    elif kind == "text":
        out["selector"] = _selector(change.selector, f"{field}.selector")
        out["value"] = _sized(change.value, f"{field}.value", "Text", MAX_TEXT, required=False)
    elif kind == "html":
        out["selector"] = _selector(change.selector, f"{field}.selector")
        out["value"] = _sized(change.value, f"{field}.value", "HTML", MAX_CODE, required=False)
    elif kind == "attribute":
        out["selector"] = _selector(change.selector, f"{field}.selector")
        name = (change.attribute or "").strip()
        if not HTML_ATTR_RE.match(name):
            raise InvalidInput(
                "Enter a valid HTML attribute name (e.g. href, class, data-x).",
                field=f"{field}.attribute",
            )
        if name.lower().startswith("on"):
            raise InvalidInput(
                "Event-handler attributes are not allowed; use a Custom JavaScript change.",
                field=f"{field}.attribute",
            )
        out["attribute"] = name
        out["value"] = _sized(change.value, f"{field}.value", "Value", MAX_TEXT, required=False)
    elif kind == "css":
        # With a selector: declarations for those elements; without: a page-wide stylesheet.
        if change.selector is not None and change.selector.strip():
            out["selector"] = _selector(change.selector, f"{field}.selector")
        out["value"] = _sized(change.value, f"{field}.value", "CSS", MAX_CODE, required=False)
    else:  # js
        if change.selector:
            raise InvalidInput("Custom JavaScript takes no selector.", field=f"{field}.selector")
        out["value"] = _sized(
            change.value, f"{field}.value", "Custom JavaScript", MAX_CODE, required=True
        )
    return out


def _variants(body: ExperimentConfigIn) -> list[dict[str, Any]]:
    variants = body.variants
    if len(variants) < 2:
        raise InvalidInput(
            "An experiment needs at least two variants: the control and one variation.",
            field="variants",
            code="too_few_variants",
        )
    if len(variants) > MAX_VARIANTS:
        raise InvalidInput(f"At most {MAX_VARIANTS} variants.", field="variants")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    for i, variant in enumerate(variants):
        field = f"variants.{i}"
        if variant.key is not None and variant.key.strip():
            key = variant.key.strip()
        elif i == 0:
            key = "control"
        else:
            key = f"variant_{next(letters)}"
            while key in seen or any(v.key == key for v in variants):
                key = f"variant_{next(letters)}"
        if not KEY_RE.match(key):
            raise InvalidInput(
                "Variant keys use lowercase letters, digits and _ (at most 40).",
                field=f"{field}.key",
            )
        if key in seen:
            raise InvalidInput(f"The variant key {key!r} is used twice.", field=f"{field}.key")
        seen.add(key)
        if not 0 <= variant.weight <= 100:
            raise InvalidInput(
                "A weight is a whole percentage from 0 to 100.", field=f"{field}.weight"
            )
        if len(variant.changes) > MAX_CHANGES:
            raise InvalidInput(
                f"At most {MAX_CHANGES} changes per variant.", field=f"{field}.changes"
            )
        out.append(
            {
                "key": key,
                "name": clean_name(
                    variant.name, field=f"{field}.name", label="Variant name", max_len=120
                ),
                "weight": variant.weight,
                "changes": [
                    _change(c, f"{field}.changes.{j}") for j, c in enumerate(variant.changes)
                ],
            }
        )
    if "control" not in seen:
        raise InvalidInput(
            "One variant must be the control (key 'control').", field="variants.0.key"
        )
    total = sum(v["weight"] for v in out)
    if total != 100:
        raise InvalidInput(
            f"Variant weights must add up to 100% (they add up to {total}%).",
            field="variants",
            code="weights_not_100",
        )
    size = sum(len(str(v["changes"]).encode("utf-8", "surrogatepass")) for v in out)
    if size > MAX_CONFIG_BYTES:
        raise InvalidInput(
            "The variants' changes are too large together "
            f"(at most {MAX_CONFIG_BYTES // 1000} KB).",
            field="variants",
            code="too_large",
        )
    return out


def _targeting(body: ExperimentConfigIn) -> dict[str, Any]:
    t = body.targeting
    if len(t.url_rules) > MAX_URL_RULES:
        raise InvalidInput(f"At most {MAX_URL_RULES} URL rules.", field="targeting.url_rules")
    rules = [
        {"type": r.type, "value": check_url_rule(r.type, r.value, f"targeting.url_rules.{i}.value")}
        for i, r in enumerate(t.url_rules)
    ]
    countries = sorted(
        {check_country(c, f"targeting.countries.{i}") for i, c in enumerate(t.countries)}
    )
    if len(t.attributes) > MAX_ATTRIBUTES:
        raise InvalidInput(f"At most {MAX_ATTRIBUTES} conditions.", field="targeting.attributes")
    attributes = []
    for i, cond in enumerate(t.attributes):
        field = f"targeting.attributes.{i}"
        name = cond.name.strip()
        if not ATTR_NAME_RE.match(name):
            raise InvalidInput(
                "Attribute names use letters, digits, _ . - (at most 100).", field=f"{field}.name"
            )
        value = None if cond.op == "exists" else cond.value
        # The operator/value rules are core's, the same ones the server and snippet evaluate.
        raw = {"name": name, "op": cond.op, "value": value}
        for problem in validate_targeting(parse_targeting({"attributes": [raw]})):
            raise InvalidInput(
                problem.message[0].upper() + problem.message[1:] + ".", field=f"{field}.value"
            )
        if isinstance(value, list) and len(value) > 100:
            raise InvalidInput("'in' takes at most 100 values.", field=f"{field}.value")
        if isinstance(value, str) and len(value) > 1000:
            raise InvalidInput("Values are limited to 1000 characters.", field=f"{field}.value")
        attributes.append({"name": name, "op": cond.op, "value": value})
    return {
        "url_rules": rules,
        "device": t.device,
        "countries": countries,
        "attributes": attributes,
    }


def _goal(goal: GoalIn, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": clean_name(goal.name, field=f"{field}.name", label="Goal name", max_len=120),
        "kind": goal.kind,
        "selector": None,
        "url": None,
        "event_name": None,
        "primary": goal.primary,
    }
    if goal.kind in ("click", "form_submit"):
        out["selector"] = _selector(goal.selector, f"{field}.selector")
    elif goal.kind == "page_view":
        url = (goal.url or "").strip()
        if not url or len(url) > 2048 or "\x00" in url:
            raise InvalidInput(
                "A page-view goal needs the URL (or path) of the conversion page, e.g. /thank-you.",
                field=f"{field}.url",
            )
        out["url"] = url
    else:
        out["event_name"] = _event_name(goal.event_name, f"{field}.event_name", required=True)
    return out


def _event_name(value: str | None, field: str, *, required: bool) -> str | None:
    name = (value or "").strip()
    if not name:
        if required:
            raise InvalidInput("An event name is required.", field=field)
        return None
    if not EVENT_RE.match(name):
        raise InvalidInput(
            "Event names use letters, digits and _ . : - $ (at most 100).", field=field
        )
    return name


def _goals(body: ExperimentConfigIn) -> list[dict[str, Any]]:
    if len(body.goals) > MAX_GOALS:
        raise InvalidInput(f"At most {MAX_GOALS} goals.", field="goals")
    goals = [_goal(g, f"goals.{i}") for i, g in enumerate(body.goals)]
    primaries = [i for i, g in enumerate(goals) if g["primary"]]
    if len(primaries) > 1:
        raise InvalidInput(
            "Only one goal can be the primary goal.", field=f"goals.{primaries[1]}.primary"
        )
    if goals and not primaries:
        goals[0]["primary"] = True
    return goals


def _funnel(body: ExperimentConfigIn, plan: Plan) -> list[dict[str, Any]]:
    steps = body.funnel_steps
    if not steps:
        return []
    if not plan.funnels:
        raise PlanLimit(
            "Multi-page funnel goals need the Professional plan or higher "
            f"(you are on {plan.name}).",
            field="funnel_steps",
        )
    if len(steps) > MAX_FUNNEL_STEPS:
        raise InvalidInput(f"At most {MAX_FUNNEL_STEPS} funnel steps.", field="funnel_steps")
    out = []
    for i, step in enumerate(steps):
        field = f"funnel_steps.{i}"
        url = step.url.strip()
        if len(url) > 2048 or "\x00" in url:
            raise InvalidInput("Step URLs are limited to 2048 characters.", field=f"{field}.url")
        out.append(
            {
                "label": clean_name(
                    step.label, field=f"{field}.label", label="Step label", max_len=120
                ),
                "url": url,
                "event_name": _event_name(step.event_name, f"{field}.event_name", required=False),
            }
        )
    return out


def _gate(plan: Plan, allowed: bool, what: str, need: str, field: str) -> None:
    if not allowed:
        raise PlanLimit(
            f"{what} needs the {need} plan or higher (you are on {plan.name}).", field=field
        )


def _advanced(
    body: ExperimentConfigIn, plan: Plan
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    s = body.schedule
    schedule: dict[str, Any] = {}
    if s.start_at or s.end_at or s.auto_pause_at_significance:
        _gate(plan, plan.scheduling, "Experiment scheduling", "Business", "schedule")
        for name, value in (("start_at", s.start_at), ("end_at", s.end_at)):
            if value is not None and value.tzinfo is None:
                raise InvalidInput(
                    "Give the date-time with a time zone (e.g. 2026-12-01T09:00:00Z).",
                    field=f"schedule.{name}",
                )
        if s.start_at and s.end_at and s.end_at <= s.start_at:
            raise InvalidInput("The end must be after the start.", field="schedule.end_at")
        schedule = {
            "start_at": s.start_at.isoformat() if s.start_at else None,
            "end_at": s.end_at.isoformat() if s.end_at else None,
            "auto_pause_at_significance": s.auto_pause_at_significance,
        }
    if len(body.cross_domains) > MAX_DOMAINS:
        raise InvalidInput(f"At most {MAX_DOMAINS} domains.", field="cross_domains")
    domains: list[str] = []
    for i, raw in enumerate(body.cross_domains):
        host = raw.strip().lower().rstrip(".")
        if not HOST_RE.match(host):
            raise InvalidInput(
                "Enter domain names such as shop.example.com (no scheme or path).",
                field=f"cross_domains.{i}",
            )
        if host not in domains:
            domains.append(host)

    ig = body.integrations
    integrations: dict[str, Any] = {}
    if ig.ga4_measurement_id:
        _gate(plan, plan.ga4_mixpanel, "GA4", "Business", "integrations.ga4_measurement_id")
        ga4 = ig.ga4_measurement_id.strip().upper()
        if not GA4_RE.match(ga4):
            raise InvalidInput(
                "A GA4 Measurement ID looks like G-XXXXXXX "
                "(Universal Analytics UA- ids are retired).",
                field="integrations.ga4_measurement_id",
            )
        integrations["ga4_measurement_id"] = ga4
    if ig.mixpanel_token:
        _gate(plan, plan.ga4_mixpanel, "Mixpanel", "Business", "integrations.mixpanel_token")
        token = ig.mixpanel_token.strip()
        if not MIXPANEL_RE.match(token):
            raise InvalidInput(
                "A Mixpanel project token is 16–64 letters and digits.",
                field="integrations.mixpanel_token",
            )
        integrations["mixpanel_token"] = token
    if ig.slack_webhook_url:
        _gate(
            plan,
            plan.slack,
            "Slack notifications",
            "Professional",
            "integrations.slack_webhook_url",
        )
        integrations["slack_webhook_url"] = check_url(
            ig.slack_webhook_url, field="integrations.slack_webhook_url", label="Slack webhook URL"
        )
    if ig.webhook_url:
        _gate(
            plan,
            plan.experiment_webhooks,
            "Outbound webhooks",
            "Business",
            "integrations.webhook_url",
        )
        integrations["webhook_url"] = check_url(
            ig.webhook_url, field="integrations.webhook_url", label="Webhook URL"
        )
        integrations["webhook_events"] = sorted(set(ig.webhook_events)) or [
            "experiment.started",
            "experiment.paused",
            "experiment.archived",
            "significance.reached",
        ]
    elif ig.webhook_events:
        raise InvalidInput(
            "Choose webhook events only together with a webhook URL.",
            field="integrations.webhook_events",
        )
    return schedule, domains, integrations


def validate_config(body: ExperimentConfigIn, plan: Plan) -> CleanConfig:
    name = clean_name(body.name, field="name", label="Experiment name", max_len=120)
    if body.slug is not None and body.slug.strip():
        slug = body.slug.strip()
        if len(slug) > 80 or not SLUG_RE.match(slug):
            raise InvalidInput(
                "A slug uses lowercase letters, digits and single hyphens (at most 80), "
                "e.g. homepage-hero.",
                field="slug",
                code="invalid_slug",
            )
    else:
        slug = slugify(name)
    if not 0 <= body.activation_delay_ms <= MAX_DELAY_MS:
        raise InvalidInput(
            f"The activation delay is 0 to {MAX_DELAY_MS} ms "
            "(Immediate 0, Fast 100, Standard 500, Safe 1000).",
            field="activation_delay_ms",
        )
    if not 0 <= body.traffic_percentage <= 100:
        raise InvalidInput(
            "Traffic is a whole percentage from 0 to 100.", field="traffic_percentage"
        )
    schedule, domains, integrations = _advanced(body, plan)
    return CleanConfig(
        name=name,
        slug=slug,
        description=_long_text(body.description, "description", "Description"),
        hypothesis=_long_text(body.hypothesis, "hypothesis", "Hypothesis"),
        activation_delay_ms=body.activation_delay_ms,
        traffic_percentage=body.traffic_percentage,
        variants=_variants(body),
        targeting=_targeting(body),
        goals=_goals(body),
        funnel_steps=_funnel(body, plan),
        schedule=schedule,
        cross_domains=domains,
        integrations=integrations,
    )


def check_traffic(value: int) -> int:
    if not 0 <= value <= 100:
        raise InvalidInput(
            "Traffic is a whole percentage from 0 to 100.", field="traffic_percentage"
        )
    return value
