"""The demo organization, user and project that ``segmently demo`` creates idempotently."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from segmently.auth import management
from segmently.auth.passwords import hash_password
from segmently.db.models import Experiment, Membership, Organization, Project, User
from segmently.experiments import compiler
from segmently.experiments import service as experiments
from segmently.experiments.schemas import ExperimentConfigIn
from segmently.experiments.service import Actor
from segmently.kit.clock import utcnow
from segmently.orgs import service as orgs
from segmently.projects import service as projects

DEMO_EMAIL = "demo@segmently.local"
DEMO_ORG = "Segmently Demo"
DEMO_PROJECT = "Demo Shop"


DEMO_EXPERIMENT = "demo-shop-hero"
DEMO_KEY_NAME = "segmently demo"


@dataclass(frozen=True)
class DemoAccount:
    user: User
    org: Organization
    project: Project
    experiment: Experiment
    password: str


def _demo_experiment_config() -> ExperimentConfigIn:
    return ExperimentConfigIn.model_validate(
        {
            "name": "Demo shop hero",
            "slug": DEMO_EXPERIMENT,
            "description": "Does a benefit-led headline with a free-shipping promise sell more?",
            "hypothesis": "A concrete benefit in the hero lifts clicks on the main button by 10%.",
            "activation_delay_ms": 0,
            "traffic_percentage": 100,
            "variants": [
                {"key": "control", "name": "Control", "weight": 50, "changes": []},
                {
                    "key": "variant_a",
                    "name": "Free shipping hero",
                    "weight": 50,
                    "changes": [
                        {
                            "type": "text",
                            "selector": "#hero-title",
                            "value": "Free shipping on everything, today only",
                        },
                        {"type": "text", "selector": "#buy-button", "value": "Claim free shipping"},
                        {
                            "type": "css",
                            "selector": "#buy-button",
                            "value": "background: #1f7a3f !important",
                        },
                    ],
                },
            ],
            "targeting": {"url_rules": [{"type": "contains", "value": "/demo/shop"}]},
            "goals": [
                {
                    "name": "Hero button click",
                    "kind": "click",
                    "selector": "#buy-button",
                    "primary": True,
                },
                {"name": "Order placed", "kind": "page_view", "url": "/demo/shop/thank-you"},
                {"name": "Add to cart", "kind": "custom_event", "event_name": "add_to_cart"},
            ],
            "funnel_steps": [
                {"label": "Shop", "url": "/demo/shop"},
                {"label": "Cart", "url": "/demo/shop/cart", "event_name": "add_to_cart"},
                {"label": "Order placed", "url": "/demo/shop/thank-you"},
            ],
        }
    )


def _ensure_experiment(session: Session, org: Organization, project: Project) -> Experiment:
    experiment = session.scalar(
        select(Experiment).where(
            Experiment.project_id == project.id, Experiment.slug == DEMO_EXPERIMENT
        )
    )
    actor = Actor(label="segmently demo")
    if experiment is None:
        experiment = experiments.create_experiment(
            session, org, project, _demo_experiment_config(), actor
        )
    if experiment.status == "archived":
        experiments.transition(session, org, experiment, "reinstate", actor)
    if experiment.status in ("draft", "paused"):
        experiments.transition(
            session, org, experiment, "start" if experiment.status == "draft" else "resume", actor
        )
    return experiment


def _password(data_dir: Path) -> str:
    """One random demo password per installation, kept beside the data so it can be re-printed."""
    path = data_dir / "demo_password"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(12)
    path.write_text(value)
    path.chmod(0o600)
    return value


def ensure_demo(session: Session, *, data_dir: Path, base_url: str, rounds: int) -> DemoAccount:
    password = _password(data_dir)
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(
            email=DEMO_EMAIL, name="Demo User", password_hash=hash_password(password, rounds)
        )
        session.add(user)
        session.flush()
        org = orgs.create_organization(session, user, DEMO_ORG, tier="enterprise")
    else:
        from segmently.auth.passwords import verify_password

        if not verify_password(password, user.password_hash):
            user.password_hash = hash_password(password, rounds)
        user.is_active = True
        membership = session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.role == "owner")
        )
        if membership is None:
            org = orgs.create_organization(session, user, DEMO_ORG, tier="enterprise")
        else:
            org = membership.organization
            org.tier = "enterprise"
            membership.status = "active"
    project = session.scalar(
        select(Project).where(Project.org_id == org.id, Project.name == DEMO_PROJECT)
    )
    if project is None:
        project = projects.create_project(
            session, org, name=DEMO_PROJECT, base_url=f"{base_url}/demo/shop"
        )
    session.flush()
    compiler.recompile_org(session, org.id)
    experiment = _ensure_experiment(session, org, project)
    return DemoAccount(
        user=user, org=org, project=project, experiment=experiment, password=password
    )


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is None


def demo_management_key(session: Session, account: DemoAccount) -> str:
    """A fresh management key; earlier demo keys are revoked so the 10-key cap is never hit."""
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == account.user.id, Membership.org_id == account.org.id
        )
    )
    assert membership is not None  # ensure_demo made it
    for key in management.list_keys(session, account.org.id):
        if key.name.startswith(DEMO_KEY_NAME) and key.revoked_at is None:
            management.revoke_key(session, membership, key.id)
    _, raw = management.create_key(
        session, membership, f"{DEMO_KEY_NAME} {utcnow():%Y-%m-%d %H:%M:%S}"
    )
    return raw
