"""The threads a ledger transaction runs on when its caller is on the event loop.

Django's ORM is blocking. An async caller (the socket, the lean bid route) hands the short
ledger transaction of an accepted bid, or the rare load of a hot state from the database, to
these threads of its own, never to the single thread that every `database_sync_to_async` call of
the process shares (pages, forms and connects would queue behind bids there).

There are `GAVEL_LEDGER_THREADS` lanes of one thread each, and a job names its lane by a key (the
auction): one auction's writes in this process then commit in the order their scripts ran, so
its events are broadcast in seq order and viewers need not hold and resync. Each job returns its
database connection (to the psycopg pool, in production) when it finishes, as a request does.
"""

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import connections

P = ParamSpec("P")
T = TypeVar("T")


@functools.cache
def _lanes() -> tuple[ThreadPoolExecutor, ...]:
    return tuple(
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gavel-ledger-{lane}")
        for lane in range(max(1, settings.GAVEL_LEDGER_THREADS))
    )


def _job(func: Callable[..., T], args: Any, kwargs: Any) -> T:
    try:
        return func(*args, **kwargs)
    finally:
        connections.close_all()


async def run(key: int, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the blocking `func` on the ledger lane of `key` (an auction or user id), in a copy of
    the caller's context (its request id goes along into the log lines); returns its result or
    raises its exception."""
    lanes = _lanes()
    context = contextvars.copy_context()
    call = functools.partial(context.run, _job, func, args, kwargs)
    return await asyncio.get_running_loop().run_in_executor(lanes[key % len(lanes)], call)
