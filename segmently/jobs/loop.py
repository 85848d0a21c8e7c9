"""A small periodic scheduler: each task runs in its own transaction at its own interval.

Several processes may run the loop (each ``segmently serve`` starts one): tasks must be safe to
run concurrently. The ones here are, because every state change they make is claimed with a
conditional UPDATE (or, for later tasks, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from segmently.db.engine import transaction

log = logging.getLogger("segmently.jobs")


@dataclass(frozen=True)
class Task:
    name: str
    every_seconds: float
    run: Callable[[Session], object]


def default_tasks() -> list[Task]:
    from segmently.analytics.tasks import significance_scan
    from segmently.tracking.retention import purge_expired_events

    return [
        Task("significance_scan", 60.0, significance_scan),
        Task("purge_expired_events", 600.0, purge_expired_events),
    ]


class Scheduler:
    def __init__(self, sessions: sessionmaker[Session], tasks: list[Task]) -> None:
        self.sessions = sessions
        self.tasks = tasks
        self._next = dict.fromkeys((t.name for t in tasks), 0.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every task whose time has come; return their names (errors are logged)."""
        now = time.monotonic() if now is None else now
        ran = []
        for task in self.tasks:
            if now < self._next[task.name]:
                continue
            self._next[task.name] = now + task.every_seconds
            try:
                with transaction(self.sessions) as session:
                    task.run(session)
                ran.append(task.name)
            except Exception:
                log.exception("task %s failed; it will run again at its next turn", task.name)
        return ran

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="segmently-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            self.run_due()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
