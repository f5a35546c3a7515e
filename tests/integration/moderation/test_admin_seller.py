"""The seller's workflow in the admin: listing with approval, editing until the first
bid, the live change list, results, cancel and relist; and what moderators may not change."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auctions import engine as engine_api
from auctions.models import Auction, Bid
from auctions.services import moderation
from auctions.services.bidding import BidRequest, bid_place
from core.models import AuditLog
from tests.admin_forms import add_form, change_form
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


# --- listing and approval -----------------------------------------------------------------------


@pytest.mark.parametrize("approval, status", [(True, "pending"), (False, "scheduled")])
def test_a_new_listing_waits_for_approval_when_the_setting_is_on(
    client, seller_a, settings, approval, status
):
    settings.GAVEL_LISTING_APPROVAL = approval
    client.force_login(seller_a)
    response = client.post(reverse("admin:auctions_auction_add"), add_form(status="scheduled"))
    assert response.status_code == 302
    assert Auction.objects.get(title="New lot").status == status


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"reserve_price": "9.99"}, "reserve_price"),
        ({"buy_now_price": "10.00"}, "buy_now_price"),
        ({"starting_price": "10.005"}, "starting_price"),
        ({"ends_at_0": "2000-01-01", "starts_at_0": "1999-12-31"}, "ends_at"),
        (
            {
                "ends_at_1": (timezone.now() + timedelta(seconds=5)).strftime("%H:%M:%S"),
                "ends_at_0": timezone.now().strftime("%Y-%m-%d"),
            },
            "ends_at",
        ),
        ({"ends_at_0": (timezone.now() + timedelta(days=45)).strftime("%Y-%m-%d")}, "ends_at"),
    ],
)
def test_bad_listings_get_field_errors_and_nothing_is_saved(client, seller_a, overrides, field):
    client.force_login(seller_a)
    response = client.post(reverse("admin:auctions_auction_add"), add_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Auction.objects.filter(title="New lot").exists()


def test_a_suspended_seller_cannot_list_or_edit(client, seller_a, moderator):
    own = make_auction(seller=seller_a, title="Before suspension")
    moderation.user_suspend(user=seller_a, actor=moderator, reason="Fraud")
    client.force_login(seller_a)
    assert client.get(reverse("admin:auctions_auction_add")).status_code == 403
    assert client.post(reverse("admin:auctions_auction_add"), add_form()).status_code == 403
    assert not Auction.objects.filter(title="New lot").exists()
    response = client.post(
        reverse("admin:auctions_auction_change", args=[own.pk]), change_form(own, title="Edited")
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.title == "Before suspension"


def test_the_seller_sees_the_rejection_reason_and_an_edit_resubmits(client, seller_a, moderator):
    auction = make_auction(seller=seller_a, status=Auction.Status.PENDING, title="Blurry")
    moderation.listing_reject(auction=auction, actor=moderator, reason="Photos are too blurry")
    client.force_login(seller_a)
    listing = client.get(reverse("admin:auctions_auction_changelist")).content.decode()
    assert "Rejected: Photos are too blurry" in listing
    page = client.get(reverse("admin:auctions_auction_change", args=[auction.pk]))
    assert page.status_code == 200
    assert "Photos are too blurry" in page.content.decode()
    response = client.post(
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        change_form(auction, title="Sharp"),
    )
    assert response.status_code == 302
    auction.refresh_from_db()
    assert (auction.title, auction.status) == ("Sharp", Auction.Status.PENDING)
    assert AuditLog.objects.filter(action="listing.resubmit", actor=seller_a).exists()


# --- editing until the first bid ----------------------------------------------------------------


def test_before_the_first_bid_the_seller_may_reschedule_and_the_engine_follows(
    client, seller_a, run
):
    auction = make_auction(seller=seller_a, starting_price=1000)
    assert engine_api.auction_state_get(auction=auction).min_bid == 1000
    client.force_login(seller_a)
    with_callbacks = change_form(auction, starting_price="25.00")
    response = run(
        client.post,
        path=reverse("admin:auctions_auction_change", args=[auction.pk]),
        data=with_callbacks,
    )
    assert response.status_code == 302
    auction.refresh_from_db()
    assert auction.starting_price == 2500
    assert engine_api.auction_state_get(auction=auction).min_bid == 2500


def test_after_the_first_bid_only_the_description_changes(client, seller_a, run):
    auction = make_auction(seller=seller_a, title="Watch", starting_price=1000)
    run(bid_place, auction=auction, bidder=make_user("eve"), bid=BidRequest(1000, None, "e1"))
    client.force_login(seller_a)
    response = client.post(
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        change_form(auction, title="Other", starting_price="1.00", description="Now boxed"),
    )
    assert response.status_code == 302
    auction.refresh_from_db()
    assert (auction.title, auction.starting_price, auction.description) == (
        "Watch",
        1000,
        "Now boxed",
    )


def test_moderators_cannot_change_prices_or_bids(client, seller_a, moderator, run):
    auction = make_auction(seller=seller_a, starting_price=1000, reserve_price=5000)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        change_form(auction, starting_price="1.00", reserve_price="", title="Renamed"),
    )
    assert response.status_code == 302
    auction.refresh_from_db()
    assert (auction.starting_price, auction.reserve_price, auction.title) == (1000, 5000, "Renamed")
    run(bid_place, auction=auction, bidder=make_user("fay"), bid=BidRequest(1000, None, "f1"))
    bid = Bid.objects.get(auction=auction)
    response = client.post(
        reverse("admin:auctions_bid_change", args=[bid.pk]), {"amount": "1.00", "price": "1.00"}
    )
    assert response.status_code == 403
    bid.refresh_from_db()
    assert (bid.amount, bid.price) == (1000, 1000)


# --- the live change list -----------------------------------------------------------------------


def test_the_change_list_shows_live_state_from_one_pipelined_read(
    client, seller_a, run, monkeypatch
):
    lots = [make_auction(seller=seller_a, title=f"Lot {n}") for n in range(3)]
    make_auction(seller=seller_a, title="Waiting", status=Auction.Status.PENDING)
    run(bid_place, auction=lots[0], bidder=make_user("gina7"), bid=BidRequest(1500, None, "g1"))
    run(bid_place, auction=lots[0], bidder=make_user("hank"), bid=BidRequest(1600, None, "h1"))
    # A stale database column must not leak into the page: the price comes from the engine.
    Auction.objects.filter(pk=lots[0].pk).update(final_price=99900)
    calls = []
    real = engine_api.auction_states_get

    def counting(*, auctions):
        calls.append(sorted(a.pk for a in auctions))
        return real(auctions=auctions)

    monkeypatch.setattr(engine_api, "auction_states_get", counting)
    client.force_login(seller_a)
    response = client.get(reverse("admin:auctions_auction_changelist"))
    assert response.status_code == 200
    assert calls == [sorted(lot.pk for lot in lots)]  # one read, published rows only
    rows = {row.title: row for row in response.context["cl"].result_list}
    state = rows["Lot 0"]._live
    assert (state.price, state.bid_count, state.leader_handle) == (1600, 2, "h***k")
    content = response.content.decode()
    assert "16.00" in content and "999.00" not in content
    assert "h***k" in content and "hank" not in content


def test_the_change_list_still_renders_when_the_engine_is_down(client, seller_a, monkeypatch):
    from core.errors import Unavailable

    make_auction(seller=seller_a, title="Offline lot")

    def down(*, auctions):
        raise Unavailable()

    monkeypatch.setattr(engine_api, "auction_states_get", down)
    client.force_login(seller_a)
    response = client.get(reverse("admin:auctions_auction_changelist"))
    assert response.status_code == 200
    assert "Offline lot" in response.content.decode()


def test_filters_by_bids_and_outcome(client, seller_a, run):
    with_bid = make_auction(seller=seller_a, title="Has a bid")
    make_auction(seller=seller_a, title="No bid yet")
    run(bid_place, auction=with_bid, bidder=make_user("ivy"), bid=BidRequest(1000, None, "i1"))
    client.force_login(seller_a)
    url = reverse("admin:auctions_auction_changelist")
    titles = {a.title for a in client.get(url, {"has_bids": "yes"}).context["cl"].result_list}
    assert titles == {"Has a bid"}
    titles = {a.title for a in client.get(url, {"has_bids": "no"}).context["cl"].result_list}
    assert titles == {"No bid yet"}


# --- results, the ledger, cancel and relist ----------------------------------------------------


def ended_sold(seller, winner):
    now = timezone.now()
    auction = make_auction(
        seller=seller,
        title="Sold clock",
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        winner=winner,
        final_price=4200,
        reserve_met=True,
        settled_at=now - timedelta(days=1),
    )
    Bid.objects.create(
        auction=auction,
        bidder=winner,
        seq=1,
        amount=4200,
        max_amount=7777,
        price=4200,
        placed_at=now - timedelta(days=1, hours=1),
        request_id="w",
    )
    return auction


def test_results_show_the_seller_the_winner_contact_and_the_ledger_without_maximums(
    client, seller_a, moderator
):
    winner = make_user("winner9")
    auction = ended_sold(seller_a, winner)
    client.force_login(seller_a)
    page = client.get(reverse("admin:auctions_auction_results", args=[auction.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "winner9@example.com" in content and "42.00" in content
    assert "77.77" not in content  # a bidder's maximum stays private, even from the seller
    change = client.get(reverse("admin:auctions_auction_change", args=[auction.pk]))
    assert "77.77" not in change.content.decode()
    client.force_login(moderator)
    assert (
        "77.77"
        in client.get(reverse("admin:auctions_auction_results", args=[auction.pk])).content.decode()
    )


def test_cancel_action_asks_for_a_reason_and_refuses_an_empty_one(client, seller_a):
    auction = make_auction(seller=seller_a, title="To cancel")
    client.force_login(seller_a)
    url = reverse("admin:auctions_auction_changelist")
    selection = {"action": "cancel_selected", "_selected_action": [auction.pk]}
    page = client.post(url, selection)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    empty = client.post(url, {**selection, "post": "yes", "reason": "   "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]
    too_long = client.post(url, {**selection, "post": "yes", "reason": "x" * 501})
    assert too_long.context["form"].errors["reason"]
    auction.refresh_from_db()
    assert auction.status == Auction.Status.SCHEDULED
    done = client.post(url, {**selection, "post": "yes", "reason": "Sold elsewhere"})
    assert done.status_code == 302
    auction.refresh_from_db()
    assert (auction.status, auction.cancel_reason) == ("cancelled", "Sold elsewhere")


def test_seller_cancel_after_a_bid_is_refused_with_a_message(client, seller_a, run):
    auction = make_auction(seller=seller_a)
    run(bid_place, auction=auction, bidder=make_user("jay"), bid=BidRequest(1000, None, "j1"))
    client.force_login(seller_a)
    change = client.get(reverse("admin:auctions_auction_change", args=[auction.pk]))
    assert (
        reverse("admin:auctions_auction_cancel", args=[auction.pk]) not in change.content.decode()
    )
    response = client.post(
        reverse("admin:auctions_auction_cancel", args=[auction.pk]), {"reason": "Oops"}
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("only a moderator" in text for text in texts)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.SCHEDULED


def test_relist_from_the_admin_creates_a_pending_copy(client, seller_a):
    now = timezone.now()
    unsold = make_auction(
        seller=seller_a,
        title="Unsold vase",
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        settled_at=now - timedelta(days=1),
    )
    client.force_login(seller_a)
    response = client.post(reverse("admin:auctions_auction_relist", args=[unsold.pk]))
    copy = Auction.objects.exclude(pk=unsold.pk).get(title="Unsold vase")
    assert response.headers["Location"] == reverse("admin:auctions_auction_change", args=[copy.pk])
    assert copy.status == Auction.Status.PENDING
    again = client.post(reverse("admin:auctions_auction_relist", args=[unsold.pk]))
    assert again.status_code == 200
    assert any("already relisted" in str(m) for m in get_messages(again.wsgi_request))
    assert Auction.objects.filter(title="Unsold vase").count() == 2


def test_the_moderation_queue_lists_pending_reports_cancellations_and_voids(
    client, seller_a, moderator, run
):
    make_auction(seller=seller_a, title="Awaiting review", status=Auction.Status.PENDING)
    reported = make_auction(seller=seller_a, title="Reported lot")
    moderation.auction_report(
        auction=reported, reporter=make_user("kim"), reason="counterfeit", details="Fake logo"
    )
    gone = make_auction(seller=seller_a, title="Cancelled lot")
    run(moderation.auction_cancel_by_staff, auction=gone, actor=moderator, reason="Prohibited")
    voided = make_auction(seller=seller_a, title="Voided lot")
    run(bid_place, auction=voided, bidder=make_user("lee"), bid=BidRequest(1000, None, "l1"))
    run(
        moderation.bid_void_by_staff,
        bid=Bid.objects.get(auction=voided),
        actor=moderator,
        reason="Shill ring",
    )
    client.force_login(moderator)
    content = client.get(reverse("admin:auctions_auction_moderation")).content.decode()
    for text in ("Awaiting review", "Fake logo", "Prohibited", "Shill ring"):
        assert text in content


# --- the audit log ------------------------------------------------------------------------------


def test_the_audit_log_is_append_only_through_the_orm(moderator, seller_a):
    entry = (
        moderation.listing_reject(
            auction=make_auction(seller=seller_a, status=Auction.Status.PENDING),
            actor=moderator,
            reason="No",
        )
        and AuditLog.objects.get()
    )
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get().reason == "No"


def test_the_audit_log_is_filterable_but_not_editable_in_the_admin(client, moderator, superuser):
    moderation.user_suspend(user=make_user("mia"), actor=moderator, reason="Spam")
    entry = AuditLog.objects.get()
    client.force_login(superuser)
    url = reverse("admin:core_auditlog_changelist")
    listing = client.get(url, {"action": "user.suspend"})
    assert [e.pk for e in listing.context["cl"].result_list] == [entry.pk]
    assert client.get(url, {"action": "listing.approve"}).context["cl"].result_count == 0
    assert listing.context["action_form"] is None  # no bulk action, not even delete
    change = client.post(reverse("admin:core_auditlog_change", args=[entry.pk]), {"reason": "x"})
    assert change.status_code == 403
    delete = client.post(reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditLog.objects.get().reason == "Spam"


def test_moderators_get_a_void_link_per_bid_and_sellers_do_not(client, seller_a, moderator, run):
    auction = make_auction(seller=seller_a)
    run(bid_place, auction=auction, bidder=make_user("noa"), bid=BidRequest(1000, None, "n1"))
    bid = Bid.objects.get(auction=auction)
    void_url = reverse("admin:auctions_bid_void", args=[bid.pk])
    change_url = reverse("admin:auctions_auction_change", args=[auction.pk])
    client.force_login(moderator)
    assert void_url in client.get(change_url).content.decode()
    client.force_login(seller_a)
    content = client.get(change_url).content.decode()
    assert void_url not in content
    assert "n***a" in content and ">noa<" not in content


def test_the_change_list_costs_the_same_queries_for_one_row_or_many(client, seller_a):
    now = timezone.now()

    def ended_with_bids(n):
        auction = make_auction(
            seller=seller_a,
            title=f"Old {n}",
            status=Auction.Status.ENDED,
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=1),
        )
        for seq in range(1, n + 1):
            Bid.objects.create(
                auction=auction,
                bidder=make_user(f"old{n}{seq}"),
                seq=seq,
                amount=1000 + seq,
                price=1000 + seq,
                placed_at=now - timedelta(days=1, hours=1),
                request_id=f"o{seq}",
            )

    def queries_of_one_page():
        # The first view of a live auction loads its hot state from the database (once).
        client.get(reverse("admin:auctions_auction_changelist"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("admin:auctions_auction_changelist"))
        return len(captured), response

    client.force_login(seller_a)
    ended_with_bids(1)
    make_auction(seller=seller_a, title="Live 1")
    one, _ = queries_of_one_page()
    for n in range(2, 6):
        ended_with_bids(n)
        make_auction(seller=seller_a, title=f"Live {n}")
    many, response = queries_of_one_page()
    assert many == one
    rows = response.context["cl"].result_list
    assert {row.title: row._bid_count for row in rows if row.title.startswith("Old")} == {
        f"Old {n}": n for n in range(1, 6)
    }


def test_postgresql_refuses_to_update_or_delete_audit_rows_even_in_raw_sql(postgres_db, moderator):
    from django.db import DatabaseError, transaction

    moderation.user_suspend(user=make_user("raw"), actor=moderator, reason="Spam")
    entry = AuditLog.objects.get()
    for sql in (
        "UPDATE auctions_auditlog SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM auctions_auditlog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditLog.objects.get().reason == "Spam"


def test_staff_edits_of_a_listing_are_audited_and_nobody_edits_the_status(
    client, seller_a, moderator, superuser
):
    auction = make_auction(seller=seller_a, title="Vase", status=Auction.Status.PENDING)
    client.force_login(moderator)
    client.post(
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        change_form(auction, title="Vase (glued)"),
    )
    entry = AuditLog.objects.get(action="listing.edit")
    assert (entry.actor, entry.data) == (moderator, {"fields": ["title"]})
    client.force_login(superuser)
    page = client.get(reverse("admin:auctions_auction_change", args=[auction.pk]))
    assert "status" not in page.context["adminform"].form.fields
    client.post(
        reverse("admin:auctions_auction_change", args=[auction.pk]),
        change_form(auction, title="Vase (glued)", status="scheduled"),
    )
    auction.refresh_from_db()
    assert auction.status == Auction.Status.PENDING


def test_relist_with_chosen_times_and_refusal_of_an_end_in_the_past(client, seller_a):
    now = timezone.now()
    unsold = make_auction(
        seller=seller_a,
        title="Unsold lamp",
        status=Auction.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        settled_at=now - timedelta(days=1),
    )
    client.force_login(seller_a)
    url = reverse("admin:auctions_auction_relist", args=[unsold.pk])
    past = client.post(url, {"starts_at": "2001-01-01 10:00", "ends_at": "2001-01-02 10:00"})
    assert past.status_code == 200
    assert Auction.objects.filter(title="Unsold lamp").count() == 1
    start = (now + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        url,
        {
            "starts_at": start.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (start + timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert response.status_code == 302
    copy = Auction.objects.exclude(pk=unsold.pk).get(title="Unsold lamp")
    assert (copy.starts_at, copy.ends_at) == (start, start + timedelta(days=2))
