"""The group-commit writer's promises when a write fails: one bad request never takes the others
down, a lost database fails the whole group with StorageUnavailable, every waiter is answered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from segmently.db.engine import make_engine
from segmently.tracking.writer import GroupCommitWriter, StorageUnavailable
from tests.aio import run_async


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield sessionmaker(engine)
    engine.dispose()


# The writer only hands works to ``write``: plain strings stand in for requests here.
GONE: Any = "gone"


async def _outcomes(writer: GroupCommitWriter, works: list[Any]) -> list[Any]:
    futures = [writer.submit(w) for w in works]
    return list(await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 10))


def test_a_failing_request_is_retried_alone_and_the_others_commit(
    sessions: sessionmaker[Session],
) -> None:
    committed: list[list[str]] = []

    def write(session: Session, works: list[Any], *, look_first: bool) -> None:
        if "poison" in works:
            raise ValueError("this request cannot be stored")
        committed.append(list(works))

    writer = GroupCommitWriter(sessions, write=write)
    try:
        works = ["a", "b", "poison", "c"] * 5
        outcomes = run_async(_outcomes(writer, works))
    finally:
        writer.close()
    for work, outcome in zip(works, outcomes, strict=True):
        if work == "poison":
            assert isinstance(outcome, StorageUnavailable)
        else:
            assert outcome == work
    stored = sorted(w for group in committed for w in group)
    assert stored == sorted(w for w in works if w != "poison")


def test_a_lost_database_fails_every_waiter_and_the_next_group_works(
    sessions: sessionmaker[Session],
) -> None:
    down = True

    def write(session: Session, works: list[Any], *, look_first: bool) -> None:
        if down:
            raise sa_exc.OperationalError("INSERT", None, Exception("connection refused"))

    writer = GroupCommitWriter(sessions, write=write)
    try:
        outcomes = run_async(_outcomes(writer, list(range(40))))
        assert all(isinstance(o, StorageUnavailable) for o in outcomes)
        down = False
        assert run_async(_outcomes(writer, list(range(40)))) == list(range(40))
    finally:
        writer.close()


def test_a_request_that_went_away_does_not_stop_the_others(
    sessions: sessionmaker[Session],
) -> None:
    async def scenario(writer: GroupCommitWriter) -> list[Any]:
        gone = writer.submit(GONE)
        gone.cancel()  # its client disconnected; the work is still written
        return await _outcomes(writer, ["x", "y"])

    seen: list[Any] = []
    writer = GroupCommitWriter(
        sessions, write=lambda session, works, look_first: seen.extend(works)
    )
    try:
        assert run_async(scenario(writer)) == ["x", "y"]
    finally:
        writer.close()
    assert sorted(seen) == ["gone", "x", "y"]
