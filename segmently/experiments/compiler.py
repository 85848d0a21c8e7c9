"""The compiled project config: everything the snippet needs, nothing secret.

One JSON document per project, rebuilt in the same transaction as any change that could alter
it; its version goes up exactly when its content changes (compared by SHA-256 of canonical JSON).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from segmently.core.plans import plan_for
from segmently.db.models import Experiment, Organization, Project, ProjectConfig
from segmently.kit.clock import utcnow


def experiment_document(experiment: Experiment) -> dict[str, Any]:
    integrations = experiment.integrations or {}
    return {
        "id": str(experiment.id),
        "slug": experiment.slug,
        "name": experiment.name,
        "seed": experiment.seed,
        "status": experiment.status,
        "traffic": experiment.traffic_percentage,
        "delay": experiment.activation_delay_ms,
        "variants": [
            {
                "id": str(v.id),
                "key": v.key,
                "name": v.name,
                "weight": v.weight,
                "changes": v.changes,
            }
            for v in experiment.variants
        ],
        "targeting": experiment.targeting,
        "goals": [
            {
                "id": str(g.id),
                "name": g.name,
                "kind": g.kind,
                "selector": g.selector,
                "url": g.url,
                "event": g.event_name,
                "primary": g.is_primary,
            }
            for g in experiment.goals
        ],
        "funnel": experiment.funnel_steps,
        "domains": experiment.cross_domains,
        # Only what the browser needs: GA4's public id and whether to call Mixpanel.
        # Slack and webhook URLs are secrets of the server side and never appear here.
        "ga4": integrations.get("ga4_measurement_id"),
        "mixpanel": bool(integrations.get("mixpanel_token")),
    }


def build_document(
    session: Session, project: Project, *, preview: tuple[str, str] | None = None
) -> dict[str, Any]:
    org = session.get(Organization, project.org_id)
    tier = org.tier if org is not None else "free"
    query = (
        select(Experiment)
        .where(Experiment.project_id == project.id)
        .options(selectinload(Experiment.variants), selectinload(Experiment.goals))
        .order_by(Experiment.created_at, Experiment.id)
    )
    experiments = []
    for experiment in session.scalars(query):
        if experiment.status == "live" or _previewed(experiment, preview):
            experiments.append(experiment_document(experiment))
    return {
        "project": str(project.id),
        "badge": plan_for(tier).badge_required,
        "cookie": bool((project.settings or {}).get("cookie_mode")),
        "experiments": experiments,
    }


def _previewed(experiment: Experiment, preview: tuple[str, str] | None) -> bool:
    """A preview link names ``slug:variant-id``; the variant's random id is the capability."""
    if preview is None or experiment.status == "archived":
        return False
    slug, variant_id = preview
    return experiment.slug == slug and any(str(v.id) == variant_id for v in experiment.variants)


def content_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def recompile(session: Session, project_id: uuid.UUID) -> ProjectConfig | None:
    """Rebuild one project's document; bump its version only if the content changed."""
    session.flush()
    project = session.get(Project, project_id)
    if project is None:
        return None
    document = build_document(session, project)
    digest = content_hash(document)
    row = session.get(ProjectConfig, project_id, with_for_update=True)
    if row is None:
        row = ProjectConfig(
            project_id=project_id,
            version=1,
            content_hash=digest,
            document=document,
            updated_at=utcnow(),
        )
        session.add(row)
    elif row.content_hash != digest:
        row.version += 1
        row.content_hash = digest
        row.document = document
        row.updated_at = utcnow()
    session.flush()
    return row


def recompile_org(session: Session, org_id: uuid.UUID) -> None:
    """After a plan change (the badge) or anything else organization-wide."""
    for pid in session.scalars(select(Project.id).where(Project.org_id == org_id)):
        recompile(session, pid)


def current(session: Session, project: Project) -> ProjectConfig:
    row = session.get(ProjectConfig, project.id)
    return row if row is not None else recompile(session, project.id)  # type: ignore[return-value]
