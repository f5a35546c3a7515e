"""Run as a script (by test_database_restart): a private PostgreSQL, a pool holding several
connections, the server restarted while the site is idle, then the time each of the next
requests takes to get its query answered; prints them as JSON."""

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.faults.servers import PostgresServer  # noqa: E402


def main() -> None:
    server = PostgresServer()
    server.start()
    server.create_database()
    try:
        os.environ.update(DATABASE_URL=server.url, DJANGO_SETTINGS_MODULE="config.settings")
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
        from django.db import DatabaseError, connection

        def request(sql: str, results: list) -> None:
            started = time.monotonic()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                results.append(round(time.monotonic() - started, 3))
            except DatabaseError as error:
                results.append(f"{type(error).__name__}: {error}")
            finally:
                connection.close()  # back to the pool, as at the end of a request

        def concurrently(count: int, sql: str) -> list:
            results: list = []
            threads = [threading.Thread(target=request, args=(sql, results)) for _ in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return results

        concurrently(6, "SELECT pg_sleep(0.2)")  # the pool now holds 6 connections
        server.stop()
        time.sleep(1)
        server.start()
        first = concurrently(1, "SELECT 1")
        print(json.dumps({"first": first, "next": concurrently(4, "SELECT 1")}))
    finally:
        server.remove()


if __name__ == "__main__":
    main()
