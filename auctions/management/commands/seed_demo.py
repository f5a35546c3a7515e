"""`manage.py seed_demo`: demo users, categories and a dozen open auctions, idempotently.

Each demo lot is listed once, with a few opening bids: running it again (every `make run` does)
creates, bids and notifies nothing, even after the demo lots have ended, so a restart changes
nothing anybody made or saw. `--relist` lists a fresh copy of each demo lot that is over (new
lots with new opening bids), when you want live demo auctions again.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Category
from auctions.selectors import auction_state_get
from auctions.services.bidding import BidRequest, bid_place
from core.errors import GavelError
from core.roles import MODERATORS_GROUP, SELLERS_GROUP

DEMO_PASSWORD = "gavel-demo"

# username, role, password
DEMO_USERS = [
    ("admin", "superuser", "gavel-admin"),
    ("moderator", "moderator", DEMO_PASSWORD),
    ("seller_ann", "seller", DEMO_PASSWORD),
    ("seller_bob", "seller", DEMO_PASSWORD),
    ("alice", "bidder", DEMO_PASSWORD),
    ("bruno", "bidder", DEMO_PASSWORD),
    ("chiara", "bidder", DEMO_PASSWORD),
]

CATEGORIES = ["Watches", "Cameras", "Books", "Art"]

# title, category, seller, start (cents), reserve, buy now, minutes until the end
DEMO_LOTS = [
    ("Omega Seamaster 300, 1967", "Watches", "seller_ann", 150_000, 250_000, None, 4),
    ("Seiko 6139 Pogue chronograph", "Watches", "seller_ann", 20_000, None, 60_000, 12),
    ("Casio F-91W, new old stock", "Watches", "seller_bob", 500, None, 2_500, 3),
    ("Leica M6 with Summicron 50mm", "Cameras", "seller_bob", 180_000, 220_000, None, 45),
    ("Canon AE-1 Program", "Cameras", "seller_ann", 9_000, None, None, 9),
    ("Hasselblad 500C/M kit", "Cameras", "seller_bob", 120_000, None, 300_000, 180),
    ("First edition of Dune (1965)", "Books", "seller_ann", 300_000, 500_000, None, 25),
    ("Signed Terry Pratchett, Mort", "Books", "seller_bob", 15_000, None, None, 6),
    ("Complete Calvin and Hobbes box set", "Books", "seller_ann", 4_000, None, 12_000, 90),
    ("Linocut print, harbour at dawn", "Art", "seller_bob", 7_500, 10_000, None, 15),
    ("Oil on canvas, untitled (1982)", "Art", "seller_ann", 50_000, None, None, 240),
    ("Bauhaus poster reprint", "Art", "seller_bob", 2_000, None, 6_000, 2),
]


class Command(BaseCommand):
    help = "Create demo users and auctions (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--relist",
            action="store_true",
            help="List a fresh copy (with opening bids) of each demo lot that has ended.",
        )

    def handle(self, *args, force=False, relist=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with known passwords; DEBUG is off.")
        with transaction.atomic():
            users = {name: self._user(name, role, password) for name, role, password in DEMO_USERS}
            categories = {
                name: Category.objects.get_or_create(slug=name.lower(), defaults={"name": name})[0]
                for name in CATEGORIES
            }
            listed = [self._lot(lot, users, categories, relist=relist) for lot in DEMO_LOTS]
            fresh = [auction for auction in listed if auction is not None]
        created = len(fresh)
        if created:
            # The demo's own outbid notices would bury the logins printed below.
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                GAVEL_NOTICE_THREADS=0,  # sent (to nowhere) before the override ends
            ):
                self._opening_bids(users, fresh)
        # The catalog sale (the sales app) next to the single-item auctions.
        call_command("seed_demo_sale", force=force, relist=relist, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} auctions listed now)."))
        self.stdout.write("Log in with:")
        for name, role, password in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {name:<11} password: {password}")

    def _user(self, username: str, role: str, password: str) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@gavel.localhost"}
        )
        if created:
            user.set_password(password)
            user.is_staff = role in {"superuser", "moderator", "seller"}
            user.is_superuser = role == "superuser"
            user.save()
            group = {"moderator": MODERATORS_GROUP, "seller": SELLERS_GROUP}.get(role)
            if group:
                user.groups.add(Group.objects.get(name=group))
        return user

    def _opening_bids(self, users, fresh: list[Auction]) -> None:
        """A few bids through the engine on the lots just listed, so the demo opens with some
        history; never on any other lot (a seller's own listings stay untouched)."""
        bidders = [users["alice"], users["bruno"], users["chiara"]]
        for index, auction in enumerate(fresh[:6]):
            for round_number in range(index % 3 + 1):
                bidder = bidders[(index + round_number) % len(bidders)]
                try:
                    amount = auction_state_get(auction=auction).min_bid
                    request_id = f"seed-{auction.pk}-{round_number}"
                    bid_place(
                        auction=auction,
                        bidder=bidder,
                        bid=BidRequest(amount=amount, max_amount=None, request_id=request_id),
                    )
                except GavelError as refusal:
                    self.stderr.write(f"Demo bid on {auction} refused: {refusal.code}")

    def _lot(self, lot, users, categories, *, relist: bool) -> Auction | None:
        title, category, seller, start, reserve, buy_now, minutes = lot
        now = timezone.now()
        copies = Auction.objects.filter(title=title, seller=users[seller])
        if relist:
            copies = copies.filter(ends_at__gt=now).exclude(
                status__in=[Auction.Status.ENDED, Auction.Status.CANCELLED]
            )
        if copies.exists():
            return None
        return Auction.objects.create(
            title=title,
            description=f"{title}. A demo lot: bid as alice, bruno or chiara to watch it move.",
            category=categories[category],
            seller=users[seller],
            starting_price=start,
            reserve_price=reserve,
            buy_now_price=buy_now,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(minutes=minutes),
            hard_close_at=now + timedelta(minutes=minutes + 60),
            status=Auction.Status.SCHEDULED,
        )
