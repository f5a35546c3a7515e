"""`manage.py seed_demo_sale`: a demo catalog sale of 40 lots whose first lot closes a few
minutes from now, one lot every 15 s after it, with the demo bidders registered (idempotent:
nothing new while the last demo sale still has an open lot). `seed_demo` runs it."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction
from sales.models import PremiumBand, Sale
from sales.services.registration import registration_create
from sales.services.schedule import sale_publish

TITLE = "The Collector's Estate (demo catalog sale)"
HOUSE = "seller_ann"
BIDDERS = ("alice", "bruno", "chiara")
LOTS = 40
FIRST_CLOSE = timedelta(minutes=4)
INTERVAL_SECONDS = 15

OBJECTS = [
    "Brass telescope",
    "Pocket watch, silver hunter case",
    "Pair of Chinese vases",
    "Victorian writing slope",
    "Art deco table lamp",
    "Mahogany tea caddy",
    "Set of six crystal glasses",
    "Leather-bound atlas",
]


class Command(BaseCommand):
    help = "Create a demo catalog sale of 40 lots closing one after another (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument(
            "--relist",
            action="store_true",
            help="List a fresh copy of the demo sale once the last one has ended.",
        )

    def handle(self, *args, force=False, relist=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo_sale is demo data; DEBUG is off.")
        house = User.objects.filter(username=HOUSE).first()
        if house is None:
            raise CommandError(f"Run seed_demo first (no user {HOUSE}).")
        # Listed once, like the demo lots: a restart of `make run` changes nothing anybody saw.
        if not relist and Sale.objects.filter(title=TITLE).exists():
            self.stdout.write("The demo sale is listed already (--relist lists a fresh copy).")
            return
        open_lots = Auction.objects.filter(
            sale__title=TITLE, status=Auction.Status.SCHEDULED, ends_at__gt=timezone.now()
        )
        if open_lots.exists():
            self.stdout.write("The demo sale is still running.")
            return
        with transaction.atomic():
            sale = self._sale(house)
        for username in BIDDERS:
            bidder = User.objects.filter(username=username).first()
            if bidder is not None:
                registration_create(sale=sale, bidder=bidder)
        self.stdout.write(
            self.style.SUCCESS(f"Demo sale ready: {LOTS} lots, lot 1 closes in a few minutes.")
        )

    def _sale(self, house: User) -> Sale:
        now = timezone.now()
        sale = Sale.objects.create(
            house=house,
            title=TITLE,
            description="A demo catalog: lots close one after another; a late bid extends "
            "only its own lot.",
            terms="Demo terms: bids are binding; 25 % buyer's premium up to 1,000.00, 20 % above.",
            pickup_info="Pickup at the demo saleroom, or shipping at cost.",
            ends_at=now + FIRST_CLOSE,
            closing_interval=INTERVAL_SECONDS,
        )
        PremiumBand.objects.create(sale=sale, up_to=100_000, percent=Decimal(25))
        PremiumBand.objects.create(sale=sale, up_to=None, percent=Decimal(20))
        for number in range(1, LOTS + 1):
            name = OBJECTS[(number - 1) % len(OBJECTS)]
            Auction.objects.create(
                seller=house,
                sale=sale,
                lot_number=number,
                title=f"Lot {number}: {name}",
                description=f"{name}. A demo lot of a catalog sale.",
                starting_price=1_000 * (1 + number % 7),
                starts_at=now - timedelta(minutes=1),
                ends_at=now + FIRST_CLOSE,
                extension_window=timedelta(seconds=30),
                status=Auction.Status.DRAFT,
            )
        sale_publish(sale=sale, actor=house)
        return sale
