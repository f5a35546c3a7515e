"""Test data builders: users in their roles and auctions with sensible defaults."""

import itertools
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Category
from core.roles import MODERATORS_GROUP, SELLERS_GROUP

_counter = itertools.count(1)


def make_user(username: str | None = None, **fields) -> User:
    """A plain bidder with password "pw-" + username."""
    username = username or f"bidder{next(_counter)}"
    user = User.objects.create_user(
        username=username, email=f"{username}@example.com", password=f"pw-{username}", **fields
    )
    return user


def make_seller(username: str | None = None) -> User:
    """A staff user in the `Sellers` group."""
    user = make_user(username or f"seller{next(_counter)}", is_staff=True)
    user.groups.add(Group.objects.get(name=SELLERS_GROUP))
    return user


def make_moderator(username: str | None = None) -> User:
    """A staff user in the `Moderators` group."""
    user = make_user(username or f"moderator{next(_counter)}", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def make_category(name: str = "Watches") -> Category:
    category, _ = Category.objects.get_or_create(name=name, defaults={"slug": name.lower()})
    return category


def make_auction(seller: User | None = None, **fields) -> Auction:
    """A published auction open now for an hour, starting at 10.00, unless told otherwise."""
    now = timezone.now()
    values = {
        "title": f"Lot {next(_counter)}",
        "starting_price": 1000,
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(hours=1),
        "status": Auction.Status.SCHEDULED,
    }
    values.update(fields)
    return Auction.objects.create(seller=seller or make_seller(), **values)
