"""`manage.py rebuild_hot_state [--auction ID]`: rebuild Redis hot state from the ledger."""

from django.core.management.base import BaseCommand, CommandError

from auctions import engine
from auctions.models import Auction
from auctions.services.lifecycle import reconcile_auction


class Command(BaseCommand):
    help = (
        "Rebuild the engine's Redis state of one or every auction from the database ledger "
        "(writing first any stream event the ledger lacks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--auction", type=int, help="Only this auction id.")

    def handle(self, *args, auction=None, **options):
        auctions = Auction.objects.all()
        if auction is not None:
            auctions = auctions.filter(pk=auction)
            if not auctions.exists():
                raise CommandError(f"No auction with id {auction}.")
        count = 0
        for item in auctions.iterator():
            reconcile_auction(item)
            engine.hot_state_reload(item)
            count += 1
        self.stdout.write(f"Rebuilt the hot state of {count} auction(s).")
