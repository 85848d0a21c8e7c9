"""All mapped classes, imported here so Alembic and ``Base.metadata`` see every table."""

from segmently.db.models.accounts import Membership, Organization, User
from segmently.db.models.projects import ApiKey, Project

__all__ = ["ApiKey", "Membership", "Organization", "Project", "User"]
