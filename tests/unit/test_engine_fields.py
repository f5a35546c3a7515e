"""The engine's one field table agrees with its Lua scripts: every hot-state field a script
reads with HMGET is known, the packed stream entries list their fields in the order
`records.FIELDS` reads them, and the fields a script returns by position are the ones Python
names."""

import re
from pathlib import Path

import pytest

import auctions.engine
from auctions.engine import hot_state, records
from auctions.engine.records import BidPlaced, Cancelled, Ended, Extended, decode, encode, unpack
from auctions.engine.state import FIELDS, HOT_FIELDS

LUA = Path(auctions.engine.__file__).parent
SCRIPTS = ("place_bid", "lifecycle", "refresh_params", "load_state")


def lua(name: str) -> str:
    return (LUA / f"{name}.lua").read_text()


def hmget_lists(source: str) -> list[list[str]]:
    """The field names of every `HMGET` on the state hash (KEYS[1]) in a script."""
    calls = re.findall(r"redis\.call\('HMGET', KEYS\[1\],(.*?)\)", source, flags=re.S)
    return [re.findall(r"'([^']*)'", call) for call in calls]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_field_a_script_reads_is_in_the_hot_state_table(script):
    for fields in hmget_lists(lua(script)):
        assert set(fields) <= set(HOT_FIELDS), script


def test_the_scripts_that_read_state_have_an_hmget_list():
    assert [len(hmget_lists(lua(name))) for name in SCRIPTS] == [1, 1, 1, 0]


def test_python_reads_and_writes_only_known_hot_state_fields():
    assert set(FIELDS) <= set(HOT_FIELDS)
    assert set(hot_state.REFRESHED) <= set(HOT_FIELDS)
    assert set(hot_state.FROZEN) <= set(HOT_FIELDS)


def test_the_frozen_reply_of_refresh_params_is_in_the_order_python_names_it():
    source = lua("refresh_params")
    [fields] = hmget_lists(source)
    reply = re.search(r"return \{'FROZEN',(.*?)\}", source, flags=re.S).group(1)
    positions = [int(index) for index in re.findall(r"h\[(\d+)\]", reply)]
    assert tuple(fields[i - 1] for i in positions) == hot_state.FROZEN


def test_the_refreshed_arguments_match_the_script_header():
    header = lua("refresh_params")
    named = re.findall(r"ARGV\[(\d+)\] (\w+)", header)
    by_position = {int(i): name for i, name in named}
    assert tuple(by_position[i] for i in range(1, 11)) == hot_state.REFRESHED


@pytest.mark.parametrize("kind", records.PACKED)
def test_packed_entries_list_their_fields_in_the_table_order(kind):
    line = re.search(rf"^--\s+{kind}:\s+(.*)$", lua("place_bid"), flags=re.M).group(1)
    assert line.split() == ["t"] + [code for code, _, _ in records.FIELDS[kind]]


@pytest.mark.parametrize("kind", ["ended", "cancelled"])
def test_lifecycle_entries_carry_exactly_the_table_fields(kind):
    source = lua("lifecycle")
    block = re.search(rf"\{{'t', '{kind}',(.*?)\}}", source, flags=re.S).group(1)
    # Field names, not values: each name follows a comma and is followed by one.
    codes = re.findall(r"(?:^|,)\s*'([^']*)',", block)
    assert set(codes) == {code for code, _, _ in records.FIELDS[kind]}


@pytest.mark.parametrize("record_type", list(records.RECORDS.values()))
def test_the_table_names_every_attribute_of_each_record_once(record_type):
    named = [attr for _, attr, _ in records.FIELDS[record_type.type]]
    assert sorted(named) == sorted(records.attributes(record_type))


def test_a_packed_bid_decodes_by_name_and_keeps_a_request_id_with_bars():
    packed = "bid|7|42|b***b|bid|1500||1500|1700000000000|3|1550|42|b***b|1|1700000060000||41|a|b"
    record = unpack(packed)
    assert record == BidPlaced(
        seq=7,
        at_ms=1700000000000,
        bidder_id=42,
        bidder_handle="b***b",
        kind="bid",
        amount=1500,
        max_amount=None,
        price=1500,
        bid_count=3,
        min_bid=1550,
        leader_id=42,
        leader_handle="b***b",
        reserve_met=True,
        ends_ms=1700000060000,
        buy_now_price=None,
        previous_leader_id=41,
        request_id="a|b",
    )
    assert decode([b"d", packed.encode()]) == record


@pytest.mark.parametrize(
    "record",
    [
        Extended(seq=2, ends_ms=10, at_ms=5),
        Ended(
            seq=3,
            winner_id=None,
            winner_handle=None,
            final_price=None,
            reserve_met=False,
            at_ms=1,
            ends_ms=1,
        ),
        Cancelled(seq=4, reason="Fraud | spam", at_ms=9),
    ],
)
def test_records_round_trip_through_their_stream_fields(record):
    assert decode(encode(record)) == record
