"""The live `bid` event carries what the history needs (docs/design.md §4): `amount` and
`automatic`, so a viewer shows the bidder's own amount, then the leader's automatic bid — live, and
when resuming with `since` — and the event has exactly the fields of its schema."""

import typing

import pytest

from auctions.engine.shapes import PUBLIC_SHAPES
from auctions.models import AuctionEvent
from auctions.services.bidding import BidRequest
from tests.integration.web.conftest import reveals
from tests.integration.web.test_consumer import (  # noqa: F401 (fixtures)
    cleanup_layer,
    open_socket,
    place,
    receive,
    stack,
    world,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def test_a_bid_answered_by_a_maximum_is_marked_automatic_live(world):  # noqa: F811
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    alice_socket = await open_socket(auction, alice)
    bob_socket = await open_socket(auction, bob)
    await receive(alice_socket)
    await receive(bob_socket)

    await place(auction=auction, bidder=bob, amount=1000, max_amount=3000, request_id="b1")
    await place(auction=auction, bidder=alice, amount=1500, request_id="a1")

    first, answered = [await receive(alice_socket, skip=("viewers", "outbid")) for _ in range(2)]
    assert (first["automatic"], first["amount"], first["price"]) == (False, "10.00", "10.00")
    assert answered["automatic"] is True
    assert (answered["amount"], answered["bidder"], answered["is_you"]) == ("15.00", "a***e", True)
    assert (answered["price"], answered["leader"], answered["leader_is_you"]) == (
        "15.50",
        "b***b",
        False,
    )
    seen_by_bob = [await receive(bob_socket) for _ in range(2)]
    assert seen_by_bob[1]["leader_is_you"] is True and seen_by_bob[1]["is_you"] is False
    for message in (first, answered, *seen_by_bob):
        assert not reveals(message, "30.00")  # Bob's maximum is his alone
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_resuming_with_since_keeps_both_flags_of_an_automatic_bid(world):  # noqa: F811
    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    await place(auction=auction, bidder=bob, amount=1000, max_amount=3000, request_id="b1")
    await place(auction=auction, bidder=alice, amount=1500, request_id="a1")

    socket = await open_socket(auction, bob, "?since=1")
    missed = await receive(socket)
    assert (missed["seq"], missed["automatic"], missed["amount"]) == (2, True, "15.00")
    assert (missed["is_you"], missed["leader_is_you"]) == (False, True)
    await socket.disconnect()


def test_every_recorded_event_has_exactly_its_schemas_fields(world):  # noqa: F811
    from auctions.services.bidding import bid_place

    auction, alice, bob = world["auction"], world["alice"], world["bob"]
    bid_place(auction=auction, bidder=bob, bid=BidRequest(1000, 3000, "b1"))
    bid_place(auction=auction, bidder=alice, bid=BidRequest(1500, None, "a1"))
    bid_place(auction=auction, bidder=bob, bid=BidRequest(None, 4000, "b2"))
    payloads = list(AuctionEvent.objects.filter(auction=auction).order_by("seq"))
    assert [(e.payload["automatic"], e.payload["amount"]) for e in payloads] == [
        (False, "10.00"),
        (True, "15.00"),
        (False, None),  # the leader raised their maximum: no amount, nothing shown of it
    ]
    for event in payloads:
        assert set(event.payload) == set(typing.get_type_hints(PUBLIC_SHAPES[event.type]))
