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

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

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


# A request's work, the future its handler awaits, and that handler's event loop.
_Waiter = tuple[Work, asyncio.Future[Work], asyncio.AbstractEventLoop]


def _answer(items: list[tuple[asyncio.Future[Work], Work]], error: BaseException | None) -> None:
    """On the event loop: resolve a group's futures (a request that went away is skipped)."""
    for future, work in items:
        if future.done():
            continue
        if error is None:
            future.set_result(work)
        else:
            future.set_exception(error)


def _settle(group: list[_Waiter], error: BaseException | None = None) -> None:
    """Wake each event loop once per group, not once per request (every wake-up is a write to
    the loop's self-pipe and a pass of its selector)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Work], Work]]] = {}
    for work, future, loop in group:
        by_loop.setdefault(loop, []).append((future, work))
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_answer, items, error)
        except RuntimeError:  # that loop is closed: nobody waits for these any more
            log.debug("event loop closed before its answers", exc_info=True)


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
        self._queue: deque[_Waiter] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.groups = 0  # transactions committed, for the benchmark's report
        self._last_group = 0

    def submit(self, work: Work) -> asyncio.Future[Work]:
        """Queue ``work`` from an event loop; the future resolves once it is committed (or
        fails), on that loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Work] = loop.create_future()
        with self._cond:
            if self._closed:
                raise StorageUnavailable("the writer is shut down")
            if len(self._queue) >= self._max_pending:
                raise Overloaded("too much work is waiting")
            self._queue.append((work, future, loop))
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

    def _take(self) -> list[_Waiter]:
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
            group: list[_Waiter] = []
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
                _settle(group, StorageUnavailable("unexpected storage error"))

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

    def _commit(self, group: list[_Waiter]) -> None:
        works = [w for w, _, _ in group]
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
            _settle(group, StorageUnavailable(str(exc.__class__.__name__)))
            time.sleep(0.05)  # do not spin against a database that is down
            return
        except Exception:
            if len(group) == 1:
                log.exception("a write failed")
                _settle(group, StorageUnavailable("write failed"))
                return
            log.exception("a group failed; retrying its requests one by one")
            for item in group:
                self._commit([item])
            return
        self.groups += 1
        _settle(group)
