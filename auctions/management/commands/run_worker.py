"""`manage.py run_worker [--once]`: settle ended auctions, send notices, reconcile the ledger."""

import signal
import threading

from django.core.management.base import BaseCommand

from auctions.worker import INTERVAL_SECONDS, run_forever, run_once


class Command(BaseCommand):
    help = "Settle auctions whose end has passed and write stream events the ledger lacks."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--interval", type=float, default=INTERVAL_SECONDS, help="Seconds between passes."
        )

    def handle(self, *args, once=False, interval=INTERVAL_SECONDS, **options):
        if once:
            report = run_once()
            self.stdout.write(f"settled {report.settled}, reconciled {report.reconciled}")
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"Gavel worker running (a pass every {interval}s); Ctrl-C stops it.")
        run_forever(stop, interval)
        self.stdout.write("Gavel worker stopped.")
