"""Django's PostgreSQL backend whose connection pool (psycopg_pool) notices a restarted server
at once.

psycopg_pool's own check on checkout sleeps 1 s, 2 s, 4 s… between the dead connections it
meets, one by one: after a PostgreSQL restart on an idle site every pooled connection is dead,
so the first request took 7 s and the next ones waited out the pool timeout (503). Here a
connection is checked as it is lent; the first dead one makes the pool check every idle
connection at once (dropping the dead, opening new ones), and the request gets a fresh
connection. Settings: `ENGINE` `config.postgresql`, `OPTIONS["pool"]` as for Django's backend
(its keyword arguments go to the pool).
"""

import logging
import time
from typing import Any

import psycopg
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)


class RestartAwarePool(ConnectionPool):
    """A pool that checks each connection it lends and, on the first dead one, all of them."""

    def getconn(self, timeout: float | None = None) -> psycopg.Connection:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        connection = super().getconn(timeout)
        try:
            self.check_connection(connection)
        except psycopg.Error as error:
            log.warning(
                "a pooled database connection was dead (%s); checking every idle one", error
            )
            self.putconn(connection)  # closed: the pool drops it and opens another
            self.check()
            return super().getconn(max(0.0, deadline - time.monotonic()))
        return connection


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL wrapper with `RestartAwarePool` as its pool."""

    @property
    def pool(self) -> ConnectionPool | None:
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        django: Any = self  # the stubs lack Django's private pool attributes
        if self.alias not in django._connection_pools:
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # as Django's own: it sets it later
            pool = RestartAwarePool(
                kwargs=connect_kwargs,
                open=False,
                configure=django._configure_connection,
                **({} if options is True else options),
            )
            # Threads racing here at startup: the first pool set wins (none is open yet).
            django._connection_pools.setdefault(self.alias, pool)
        return django._connection_pools[self.alias]
