"""Ingestion rules: who may send, what is accepted, and the server-side assignment decision.

Nothing here imports FastAPI; the router reads the request and hands the bytes over.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from segmently.core.evaluation import evaluate
from segmently.core.targeting import SkipReason
from segmently.errors import InvalidInput, NotFound, Unauthorized
from segmently.kit.clock import utcnow
from segmently.tracking.catalog import CatalogCache, ExperimentInfo, ProjectCatalog, VariantInfo
from segmently.tracking.ratelimit import IngestLimiter
from segmently.tracking.store import AssignWork, EventWork
from segmently.tracking.targeting import visitor_of
from segmently.tracking.validation import (
    CleanEvent,
    Rejection,
    batch_events,
    check_content_type,
    check_event,
    decode_json,
    inflate,
)
from segmently.tracking.writer import GroupCommitWriter

BAD_KEY = "Missing or invalid API key."


@dataclass
class Ingestion:
    """The long-lived parts of ingestion, one per app."""

    sessions: sessionmaker[Session]
    writer: GroupCommitWriter
    limiter: IngestLimiter
    catalogs: CatalogCache = field(default_factory=CatalogCache)
    bench_endpoint: bool = False


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What the router learned from HTTP: the raw body and where the key may be."""

    body: bytes
    content_type: str | None
    content_encoding: str | None
    header_key: str | None
    query_key: str | None
    ip: str


@dataclass(slots=True)
class Prepared:
    catalog: ProjectCatalog
    work: EventWork
    rejected: list[Rejection]


@lru_cache(maxsize=4096)  # visitors send many requests from one address
def truncate_ip(ip: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of ``ip``: enough for coarse geography, not a person."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def read_body(info: RequestInfo) -> dict[str, Any]:
    check_content_type(info.content_type)
    return decode_json(inflate(info.body, info.content_encoding))


def authenticate(
    ing: Ingestion, info: RequestInfo, body: dict[str, Any], *, allow_db: bool
) -> tuple[ProjectCatalog, str]:
    """The key's project catalog: key from ``X-API-Key``, else the body's or query's
    ``api_key``. Raises :class:`NeedsDatabase` when ``allow_db`` is false and not cached."""
    raw = info.header_key or body.get("api_key") or info.query_key
    key = raw if isinstance(raw, str) and len(raw) <= 200 else None
    catalog = ing.catalogs.for_key(ing.sessions, key, allow_db=allow_db)
    if catalog is None or key is None:
        raise Unauthorized(BAD_KEY, code="invalid_api_key")
    ing.limiter.hit_key(str(catalog.project_id))
    return catalog, key


def prepare_events(
    ing: Ingestion, info: RequestInfo, *, batch: bool, allow_db: bool = True
) -> Prepared:
    """Check a track or batch request; the accepted events go to the writer, unwritten."""
    body = read_body(info)
    raw_events = batch_events(body) if batch else [body]
    catalog, key = authenticate(ing, info, body, allow_db=allow_db)
    now = utcnow()
    oldest = now - timedelta(days=catalog.retention_days)
    clean: list[CleanEvent] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(raw_events):
        result = check_event(index, raw, now=now, oldest=oldest, catalog=catalog)
        if isinstance(result, Rejection):
            rejected.append(result)
        else:
            clean.append(result)
    work = EventWork(
        catalog=catalog,
        events=clean,
        received_at=now,
        ip_prefix=truncate_ip(info.ip),
        api_key=key,
    )
    return Prepared(catalog, work, rejected)


def summary(prepared: Prepared) -> dict[str, Any]:
    accepted = sum(prepared.work.inserted)
    return {
        "accepted": accepted,
        "duplicates": len(prepared.work.events) - accepted,
        "rejected": [r.as_dict() for r in prepared.rejected],
    }


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True, slots=True)
class AssignDecision:
    experiment: ExperimentInfo
    visitor_id: str
    variant: VariantInfo | None
    reason: str | None  # not_live | targeting | traffic, when variant is None
    check: str | None = None  # the targeting check that failed: url | device | country | …


def _visitor_id(body: dict[str, Any]) -> str:
    value = body.get("visitor_id")
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("visitor_id is required.", field="visitor_id")
    if len(value) > 128:
        raise InvalidInput("visitor_id is longer than 128 characters.", field="visitor_id")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "visitor_id must not contain lone surrogates.", field="visitor_id"
        ) from None
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise InvalidInput("visitor_id must not contain control characters.", field="visitor_id")
    return value


def targeting_data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("targeting_data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("targeting_data must be an object.", field="targeting_data")
    for name in ("url", "device", "country"):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 4096):
            raise InvalidInput(f"{name} must be a string.", field=f"targeting_data.{name}")
    attributes = data.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise InvalidInput("attributes must be an object.", field="targeting_data.attributes")
    return data


def decide(
    ing: Ingestion, info: RequestInfo, slug: str, *, allow_db: bool = True
) -> tuple[AssignDecision, AssignWork]:
    """Who the visitor is and what they should see; the work stores a new assignment (and,
    in every case, has the key checked again in the transaction)."""
    body = read_body(info)
    catalog, key = authenticate(ing, info, body, allow_db=allow_db)
    experiment = catalog.by_slug.get(slug)
    if experiment is None:
        raise NotFound("No experiment with this slug in the key's project.", field="slug")
    visitor_id = _visitor_id(body)
    context = targeting_data(body)
    now = utcnow()
    if experiment.status != "live":
        check = AssignWork(
            catalog.project_id, experiment, visitor_id, None, now, api_key=key, check_only=True
        )
        return AssignDecision(experiment, visitor_id, None, "not_live"), check
    decision = (
        evaluate(experiment.rules, visitor_of(visitor_id, context))
        if experiment.rules is not None
        else None
    )
    if decision is not None and decision.skipped not in (None, SkipReason.TRAFFIC):
        check = AssignWork(
            catalog.project_id, experiment, visitor_id, None, now, api_key=key, check_only=True
        )
        return AssignDecision(experiment, visitor_id, None, "targeting", decision.skipped), check
    variant = (
        experiment.variants[decision.variant]
        if decision is not None and decision.variant is not None
        else None
    )
    # A visitor whom traffic now excludes keeps an earlier stored assignment: look it up only.
    work = AssignWork(
        catalog.project_id,
        experiment,
        visitor_id,
        variant.id if variant else None,
        now,
        store=variant is not None,
        api_key=key,
    )
    return AssignDecision(experiment, visitor_id, variant, None), work


def resolve(decision: AssignDecision, work: AssignWork) -> AssignDecision:
    """The decision after the transaction: the stored variant wins over the hash."""
    if work.check_only:
        return decision
    stored = next((v for v in decision.experiment.variants if v.id == work.variant_id), None)
    if stored is None:
        return AssignDecision(decision.experiment, decision.visitor_id, None, "traffic")
    return AssignDecision(decision.experiment, decision.visitor_id, stored, None)
