"""In-memory cache of compiled configs, keyed by project, checked against the DB version.

Within ``ttl`` seconds a cached body is served without touching the database; after that one
indexed read of the version decides whether the cached body is still current.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from segmently.db.models import Project, ProjectConfig
from segmently.experiments import compiler


@dataclass(frozen=True)
class CachedConfig:
    version: int
    body: bytes
    etag: str
    checked_at: float


class ConfigCache:
    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._items: dict[uuid.UUID, CachedConfig] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, project: Project) -> CachedConfig:
        now = time.monotonic()
        cached = self._items.get(project.id)
        if cached is not None and now - cached.checked_at < self.ttl:
            return cached
        version = session.scalar(
            select(ProjectConfig.version).where(ProjectConfig.project_id == project.id)
        )
        if cached is not None and version == cached.version:
            fresh = CachedConfig(cached.version, cached.body, cached.etag, now)
        else:
            row = compiler.current(session, project)
            document = dict(row.document) | {"version": row.version}
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            fresh = CachedConfig(
                row.version, body, f'"cfg-{project.id.hex[:12]}-{row.version}"', now
            )
        with self._lock:
            self._items[project.id] = fresh
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
