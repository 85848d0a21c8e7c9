"""Run a coroutine to completion from a synchronous test, whatever loop the thread has."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    # Playwright's sync API leaves an event loop running in the main thread of an xdist worker,
    # and asyncio.run refuses to start beside it: a thread of its own has none.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
