"""A lot of a sale keeps every key its bid script touches on the sale's hash tag; an auction
outside a sale keeps its own tag, exactly as before (DESIGN §2)."""

from dataclasses import dataclass

from redis.cluster import key_slot

from auctions.engine import keys


@dataclass
class Lot:
    pk: int
    sale_id: int | None


def test_an_auction_outside_a_sale_keeps_its_own_tag():
    auction = Lot(pk=42, sale_id=None)
    assert keys.bid_script_keys(auction, 5, "r1") == [
        "auction:{42}",
        "auction:{42}:ceilings",
        "auction:{42}:events",
        "auction:{42}:req:5:r1",
    ]


def test_every_key_of_a_sale_s_lots_shares_one_slot():
    lots = [Lot(pk=pk, sale_id=7) for pk in (42, 43, 1000)]
    script_keys = [key for lot in lots for key in keys.bid_script_keys(lot, 5, "r1")]
    assert keys.registrations_key(7) in script_keys
    assert len({key_slot(key.encode()) for key in script_keys}) == 1
    assert key_slot(keys.state_key(lots[0]).encode()) != key_slot(b"auction:{42}")


def test_two_lots_of_a_sale_never_share_a_key():
    first, second = Lot(pk=42, sale_id=7), Lot(pk=43, sale_id=7)
    assert not set(keys.auction_keys(first)) & set(keys.auction_keys(second))
