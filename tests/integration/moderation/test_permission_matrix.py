"""Who reaches what: anonymous, bidder, seller A, seller B, moderator and superuser × every
admin URL of auctions, bids, the audit log, users, groups, reports and every moderation view,
then × every moderation action (POST). Each cell of the table is an explicit expectation.

Cells: 200 (the page), 403 (refused), "login" (redirect to the admin login), "gone" (redirect
to the admin index: the object is outside the user's scope, exactly like a missing one).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, Bid, Report
from auctions.services.bidding import BidRequest, bid_place
from core.audit import audit_record
from core.models import AuditLog
from tests.factories import make_auction, make_moderator, make_seller, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "bidder", "seller_a", "seller_b", "moderator", "superuser"]


@pytest.fixture
def world(db):
    """Seller A's auctions (live with a bid, pending, ended unsold), a report, an audit row."""
    users = {
        "bidder": make_user("bidder_m"),
        "seller_a": make_seller("seller_a"),
        "seller_b": make_seller("seller_b"),
        "moderator": make_moderator("moderator_m"),
        "superuser": make_user("root", is_staff=True, is_superuser=True),
    }
    seller = users["seller_a"]
    live = make_auction(seller=seller, title="Live lot of A")
    # Through the engine, so the ledger holds the bid's event too (a void follows it on).
    placed = bid_place(auction=live, bidder=users["bidder"], bid=BidRequest(1000, 5000, "seed"))
    bid = Bid.objects.get(auction=live, seq=placed.seq)
    pending = make_auction(seller=seller, status=Auction.Status.PENDING, title="Pending of A")
    now = timezone.now()
    ended = make_auction(
        seller=seller,
        title="Ended of A",
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        reserve_price=9000,
        reserve_met=False,
        settled_at=now - timedelta(days=1),
    )
    report = Report.objects.create(auction=live, reporter=users["bidder"], reason="counterfeit")
    entry = audit_record(actor=users["moderator"], action="test.seed", target=live)
    suspended = make_user("suspended_m", is_suspended=True)
    return {
        "users": users,
        "live": live,
        "bid": bid,
        "pending": pending,
        "ended": ended,
        "report": report,
        "entry": entry,
        "suspended": suspended,
    }


def admin_urls(w):
    """(name, url, {role: expected}) for staff roles; anonymous and bidders always get "login"."""

    def url(name, *args, query=""):
        return reverse(f"admin:{name}", args=args) + query

    live, bid, pending, ended = w["live"], w["bid"], w["pending"], w["ended"]
    bidder, suspended = w["users"]["bidder"], w["suspended"]
    autocomplete = "?app_label=auctions&model_name=watch&field_name=auction&term=of"
    # Columns: seller_a, seller_b, moderator, superuser.
    table = [
        ("auction changelist", url("auctions_auction_changelist"), (200, 200, 200, 200)),
        ("auction add", url("auctions_auction_add"), (200, 200, 403, 200)),
        ("auction change", url("auctions_auction_change", live.pk), (200, "gone", 200, 200)),
        ("auction delete", url("auctions_auction_delete", live.pk), (403, 403, 403, 200)),
        ("auction history", url("auctions_auction_history", live.pk), (200, "gone", 200, 200)),
        ("auction autocomplete", url("autocomplete", query=autocomplete), (200, 200, 200, 200)),
        ("auction results", url("auctions_auction_results", ended.pk), (200, "gone", 200, 200)),
        ("auction cancel", url("auctions_auction_cancel", live.pk), (200, "gone", 200, 200)),
        ("auction relist", url("auctions_auction_relist", ended.pk), (200, "gone", 403, 200)),
        ("listing approve", url("auctions_auction_approve", pending.pk), (403, "gone", 200, 200)),
        ("listing reject", url("auctions_auction_reject", pending.pk), (403, "gone", 200, 200)),
        ("moderation queue", url("auctions_auction_moderation"), (403, 403, 200, 200)),
        ("bid changelist", url("auctions_bid_changelist"), (200, 200, 200, 200)),
        ("bid add", url("auctions_bid_add"), (403, 403, 403, 403)),
        ("bid change", url("auctions_bid_change", bid.pk), (200, "gone", 200, 200)),
        ("bid delete", url("auctions_bid_delete", bid.pk), (403, 403, 403, 403)),
        ("bid history", url("auctions_bid_history", bid.pk), (200, "gone", 200, 200)),
        ("bid void", url("auctions_bid_void", bid.pk), (403, "gone", 200, 200)),
        ("auditlog changelist", url("core_auditlog_changelist"), (403, 403, 200, 200)),
        ("auditlog add", url("core_auditlog_add"), (403, 403, 403, 403)),
        ("auditlog change", url("core_auditlog_change", w["entry"].pk), (403, 403, 200, 200)),
        ("auditlog delete", url("core_auditlog_delete", w["entry"].pk), (403, 403, 403, 403)),
        ("report changelist", url("auctions_report_changelist"), (403, 403, 200, 200)),
        ("report resolve", url("auctions_report_resolve", w["report"].pk), (403, 403, 200, 200)),
        ("user changelist", url("accounts_user_changelist"), (403, 403, 200, 200)),
        ("user change", url("accounts_user_change", bidder.pk), (403, 403, 200, 200)),
        ("user add", url("accounts_user_add"), (403, 403, 403, 200)),
        ("user delete", url("accounts_user_delete", bidder.pk), (403, 403, 403, 200)),
        ("user password", url("auth_user_password_change", bidder.pk), (403, 403, 403, 200)),
        ("user suspend", url("accounts_user_suspend", bidder.pk), (403, 403, 200, 200)),
        ("user reinstate", url("accounts_user_reinstate", suspended.pk), (403, 403, 200, 200)),
        ("group changelist", url("auth_group_changelist"), (403, 403, 403, 200)),
        ("group add", url("auth_group_add"), (403, 403, 403, 200)),
    ]
    rows = []
    for name, address, cells in table:
        expected = {"anonymous": "login", "bidder": "login"}
        expected.update(zip(["seller_a", "seller_b", "moderator", "superuser"], cells, strict=True))
        rows.append((name, address, expected))
    return rows


def outcome(response) -> int | str:
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith(reverse("admin:login")):
            return "login"
        if location == reverse("admin:index"):
            return "gone"
        return f"302 {location}"
    return response.status_code


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_the_table_says(client, world, role):
    login(client, world, role)
    rows = admin_urls(world)
    actual = {name: outcome(client.get(address)) for name, address, _ in rows}
    expected = {name: cells[role] for name, _, cells in rows}
    assert actual == expected


def test_seller_a_never_gets_a_200_on_any_url_of_seller_bs_auction(client, world):
    """The same table read the other way round: seller B's objects, seller A logged in."""
    other = make_auction(seller=world["users"]["seller_b"], title="Secret of B")
    client.force_login(world["users"]["seller_a"])
    names = ["change", "delete", "history", "results", "cancel", "relist", "approve", "reject"]
    for name in names:
        response = client.get(reverse(f"admin:auctions_auction_{name}", args=[other.pk]))
        assert response.status_code != 200, name
        assert b"Secret of B" not in response.content
    listing = client.get(reverse("admin:auctions_auction_changelist"))
    assert b"Secret of B" not in listing.content
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "auctions", "model_name": "watch", "field_name": "auction", "term": "B"},
    )
    assert str(other.pk) not in [item["id"] for item in autocomplete.json()["results"]]


def test_the_changelist_of_auctions_shows_each_seller_only_their_own(client, world):
    for role, visible in (("seller_a", True), ("seller_b", False), ("moderator", True)):
        client.force_login(world["users"][role])
        content = client.get(reverse("admin:auctions_auction_changelist")).content
        assert (b"Live lot of A" in content) is visible, role


# --- the moderation actions, POSTed by each role -------------------------------------------------


def post_action(client, world, action):
    """POST one moderation action; return a function telling whether it took effect."""
    users = world["users"]
    if action == "approve":
        auction = world["pending"]
        client.post(reverse("admin:auctions_auction_approve", args=[auction.pk]), {"reason": ""})
        return lambda: Auction.objects.get(pk=auction.pk).status == Auction.Status.SCHEDULED
    if action == "reject":
        auction = make_auction(seller=users["seller_a"], status=Auction.Status.PENDING)
        client.post(reverse("admin:auctions_auction_reject", args=[auction.pk]), {"reason": "No"})
        return lambda: Auction.objects.get(pk=auction.pk).status == Auction.Status.REJECTED
    if action == "cancel":
        auction = make_auction(seller=users["seller_a"], title="Quiet lot")
        client.post(reverse("admin:auctions_auction_cancel", args=[auction.pk]), {"reason": "Bye"})
        return lambda: Auction.objects.get(pk=auction.pk).status == Auction.Status.CANCELLED
    if action == "cancel_selected":
        auction = make_auction(seller=users["seller_a"], title="Quiet lot")
        client.post(
            reverse("admin:auctions_auction_changelist"),
            {
                "action": "cancel_selected",
                "_selected_action": [auction.pk],
                "post": "yes",
                "reason": "Bye",
            },
        )
        return lambda: Auction.objects.get(pk=auction.pk).status == Auction.Status.CANCELLED
    if action == "void":
        bid = world["bid"]
        client.post(reverse("admin:auctions_bid_void", args=[bid.pk]), {"reason": "Shill"})
        return lambda: Bid.objects.get(pk=bid.pk).voided
    if action == "relist":
        ended = world["ended"]
        client.post(reverse("admin:auctions_auction_relist", args=[ended.pk]))
        return lambda: AuditLog.objects.filter(action="auction.relist").exists()
    if action == "suspend":
        target = users["bidder"]
        client.post(reverse("admin:accounts_user_suspend", args=[target.pk]), {"reason": "Spam"})
        return lambda: User.objects.get(pk=target.pk).is_suspended
    if action == "suspend_selected":
        target = users["bidder"]
        client.post(
            reverse("admin:accounts_user_changelist"),
            {
                "action": "suspend_selected",
                "_selected_action": [target.pk],
                "post": "yes",
                "reason": "Spam",
            },
        )
        return lambda: User.objects.get(pk=target.pk).is_suspended
    if action == "reinstate":
        target = world["suspended"]
        client.post(reverse("admin:accounts_user_reinstate", args=[target.pk]), {"reason": "OK"})
        return lambda: not User.objects.get(pk=target.pk).is_suspended
    if action == "resolve":
        report = world["report"]
        client.post(reverse("admin:auctions_report_resolve", args=[report.pk]), {"reason": ""})
        return lambda: Report.objects.get(pk=report.pk).resolved_at is not None
    raise AssertionError(action)


# Who may do what: every other role must leave the object untouched.
ALLOWED = {
    "approve": {"moderator", "superuser"},
    "reject": {"moderator", "superuser"},
    "cancel": {"seller_a", "moderator", "superuser"},
    "cancel_selected": {"seller_a", "moderator", "superuser"},
    "void": {"moderator", "superuser"},
    "relist": {"seller_a", "superuser"},
    "suspend": {"moderator", "superuser"},
    "suspend_selected": {"moderator", "superuser"},
    "reinstate": {"moderator", "superuser"},
    "resolve": {"moderator", "superuser"},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_moderation_action_takes_effect_only_for_the_roles_allowed(
    client, world, role, django_capture_on_commit_callbacks
):
    login(client, world, role)
    taken = {}
    for action in ALLOWED:
        with django_capture_on_commit_callbacks(execute=True):
            took_effect = post_action(client, world, action)
        taken[action] = took_effect()
    assert taken == {action: role in roles for action, roles in ALLOWED.items()}


def test_moderators_hold_no_permission_on_groups_and_cannot_edit_users():
    moderators = Group.objects.get(name="Moderators")
    granted = set(moderators.permissions.values_list("content_type__app_label", "codename"))
    assert not {codename for app, codename in granted if app == "auth"}
    assert ("accounts", "change_user") not in granted
    assert ("auctions", "change_bid") not in granted
    assert ("core", "change_auditlog") not in granted
    assert ("core", "delete_auditlog") not in granted
    moderator = make_moderator("moderator_g")
    for perm in ("auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group"):
        assert not moderator.has_perm(perm)
