"""All mapped classes, imported here so Alembic and ``Base.metadata`` see every table."""

from segmently.db.models.accounts import Membership, Organization, User
from segmently.db.models.experiments import (
    Experiment,
    ExperimentAudit,
    Goal,
    ManagementKey,
    ProjectConfig,
    Variant,
)
from segmently.db.models.outbox import OutboxMessage
from segmently.db.models.projects import ApiKey, Project
from segmently.db.models.tracking import (
    Assignment,
    Conversion,
    Event,
    FunnelDaily,
    GoalDaily,
    VariantDaily,
)

__all__ = [
    "ApiKey",
    "Assignment",
    "Conversion",
    "Event",
    "Experiment",
    "ExperimentAudit",
    "FunnelDaily",
    "Goal",
    "GoalDaily",
    "ManagementKey",
    "Membership",
    "Organization",
    "OutboxMessage",
    "Project",
    "ProjectConfig",
    "User",
    "Variant",
    "VariantDaily",
]
