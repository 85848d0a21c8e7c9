"""Group commit: one writer thread stores the work of many concurrent requests per transaction.

A request hands its work to :meth:`GroupCommitWriter.submit` and waits; the writer takes
everything queued, writes it in one transaction, commits, and only then resolves every waiting
request. A 2xx therefore always means "committed", while the cost of a commit (an fsync) is
shared by every request that arrived during the previous one.

When the database is unreachable the whole group fails with :class:`StorageUnavailable`
(503 + Retry-After); the next group starts with a fresh connection, so the service recovers
by itself. Any other failure of a group is retried one request at a time, so one bad request
can never take the others down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from segmently.tracking.store import ConcurrentWrite, Work, write_group

log = logging.getLogger("segmently.tracking")

MAX_GROUP_WORKS = 2000
MAX_PENDING_WORKS = 20_000
COMMIT_DELAY = 0.002


class StorageUnavailable(Exception):
    """The database could not be reached or refused to commit; nothing was stored."""


class Overloaded(Exception):
    """Too much work is waiting for the database already."""


class GroupCommitWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        write: Callable[..., None] = write_group,
        max_group: int = MAX_GROUP_WORKS,
        max_pending: int = MAX_PENDING_WORKS,
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._max_group = max_group
        self._max_pending = max_pending
        self._queue: deque[tuple[Work, Future[Work]]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.groups = 0  # transactions committed, for the benchmark's report
        self._last_group = 0

    def submit(self, work: Work) -> Future[Work]:
        """Queue ``work``; the future resolves once it is committed (or fails)."""
        future: Future[Work] = Future()
        with self._cond:
            if self._closed:
                raise StorageUnavailable("the writer is shut down")
            if len(self._queue) >= self._max_pending:
                raise Overloaded("too much work is waiting")
            self._queue.append((work, future))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="segmently-group-commit", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return future

    def close(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _take(self) -> list[tuple[Work, Future[Work]]]:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._last_group > 1:
                # Requests are arriving concurrently: a moment's wait lets the group fill up,
                # and one transaction's fixed cost is shared by more requests (commit delay).
                deadline = time.monotonic() + COMMIT_DELAY
                while len(self._queue) < self._last_group and not self._closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
            group: list[tuple[Work, Future[Work]]] = []
            while self._queue and len(group) < self._max_group:
                group.append(self._queue.popleft())
            self._last_group = len(group)
            return group

    def _run(self) -> None:
        while True:
            group = self._take()
            if not group:
                return
            try:
                self._commit(group)
            except Exception:  # never let the thread die: answer everyone instead
                log.exception("group commit failed unexpectedly")
                for _, future in group:
                    if not future.done():
                        future.set_exception(StorageUnavailable("unexpected storage error"))

    def _transaction(self, works: list[Work], *, look_first: bool) -> None:
        session = self._sessions()
        try:
            self._write(session, works, look_first=look_first)
            session.commit()
        except BaseException:
            try:
                session.rollback()
            except Exception:  # the connection may be gone; the pool will replace it
                log.debug("rollback failed", exc_info=True)
            raise
        finally:
            try:
                session.close()
            except Exception:
                log.debug("close failed", exc_info=True)

    def _commit(self, group: list[tuple[Work, Future[Work]]]) -> None:
        works = [w for w, _ in group]
        try:
            for attempt in range(3):
                try:
                    self._transaction(works, look_first=attempt > 0)
                    break
                except ConcurrentWrite:
                    if attempt == 2:
                        raise
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError) as exc:
            log.warning("database unavailable: %s", exc.__class__.__name__)
            error = StorageUnavailable(str(exc.__class__.__name__))
            for _, future in group:
                future.set_exception(error)
            time.sleep(0.05)  # do not spin against a database that is down
            return
        except Exception:
            if len(group) == 1:
                log.exception("a write failed")
                group[0][1].set_exception(StorageUnavailable("write failed"))
                return
            log.exception("a group failed; retrying its requests one by one")
            for item in group:
                self._commit([item])
            return
        self.groups += 1
        for work, future in group:
            future.set_result(work)
