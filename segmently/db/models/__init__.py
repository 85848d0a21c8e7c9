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
from segmently.db.models.projects import ApiKey, Project

__all__ = [
    "ApiKey",
    "Experiment",
    "ExperimentAudit",
    "Goal",
    "ManagementKey",
    "Membership",
    "Organization",
    "Project",
    "ProjectConfig",
    "User",
    "Variant",
]
