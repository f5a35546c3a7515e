"""The threads a ledger transaction runs on when its caller is on the event loop.

Django's ORM is blocking. An async caller (the socket, the lean bid route) hands the short
ledger transaction of an accepted bid, or the rare load of a hot state from the database, to
this pool of its own, never to the single thread that every `database_sync_to_async` call of the
process shares (pages, forms and connects would queue behind bids there). Each job returns its
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
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.GAVEL_LEDGER_THREADS, thread_name_prefix="gavel-ledger"
    )


def _job(func: Callable[..., T], args: Any, kwargs: Any) -> T:
    try:
        return func(*args, **kwargs)
    finally:
        connections.close_all()


async def run(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the blocking `func` on a ledger thread, in a copy of the caller's context (its request
    id goes along into the log lines), and return its result or raise its exception."""
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    call = functools.partial(context.run, _job, func, args, kwargs)
    return await loop.run_in_executor(_executor(), call)
