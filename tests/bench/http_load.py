"""The bid load generator of `http_bids.py`, run in its own process (aiohttp).

    python -m tests.bench.http_load < spec.json

The spec: `{"url", "origin", "cookies": [{"sessionid": …, "csrftoken": …}, …], "warmup",
"seconds", "increment", "start"}`; a `ws://` url bids over the lot's WebSocket instead of the
JSON API. Every bidder is a coroutine with its own aiohttp session and one keep-alive
connection (or one socket, which also receives every live event of the lot, as the page's does),
bidding in a closed loop on one hot lot: the minimum bid it was last told (after its own
acceptance: price + increment; after BID_TOO_LOW: the `min_bid` of the refusal) plus 0-3
increments; over the socket it sends a bid and waits for its `bid_result`. Prints `GO` when the warm-up ends, `END` when the measured window
closes (the parent samples CPU at those lines), then one JSON line of results: per measured
request its latency and outcome, and the seq of every acknowledged bid of the whole run.
"""

import asyncio
import json
import random
import sys
import time
import uuid
from decimal import Decimal

import aiohttp


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def _closed_loop(spec: dict, clock: dict, results: dict, place) -> None:
    """One bidder: bid the minimum it was last told plus 0-3 increments (`await place(amount)`
    answers as the API does), learn the next minimum from the answer, record the measured ones."""
    increment = spec["increment"]
    min_bid = spec["start"]
    while time.monotonic() < clock["end"]:
        amount = min_bid + random.randint(0, 3) * increment  # noqa: S311
        started = time.monotonic()
        answer = await place(amount)
        ended = time.monotonic()
        if answer.get("accepted"):
            results["acknowledged"].append(answer["seq"])
            min_bid = _cents(answer["price"]) + increment
        elif answer.get("error") == "BID_TOO_LOW":
            min_bid = _cents(answer["min_bid"])
        if clock["go"] <= started and ended <= clock["end"]:
            outcome = "accepted" if answer.get("accepted") else answer.get("error", "?")
            results["requests"].append((round((ended - started) * 1000, 3), outcome))
        if answer.get("error", "").startswith("socket "):
            return


async def _bidder(spec: dict, cookies: dict, clock: dict, results: dict) -> None:
    headers = {
        "Origin": spec["origin"],
        "X-CSRFToken": cookies["csrftoken"],
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "Content-Type": "application/json",
    }
    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def place(amount: int) -> dict:
            body = json.dumps({"amount": _money(amount), "request_id": uuid.uuid4().hex})
            try:
                async with session.post(spec["url"], data=body) as response:
                    answer = await response.json(content_type=None)
            except (aiohttp.ClientError, ValueError) as error:
                return {"error": type(error).__name__}
            if not answer.get("accepted"):
                answer.setdefault("error", str(response.status))
            return answer

        await _closed_loop(spec, clock, results, place)


async def _socket_bidder(spec: dict, cookies: dict, clock: dict, results: dict) -> None:
    headers = {
        "Origin": spec["origin"],
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
    }
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.ws_connect(spec["url"], max_msg_size=0, heartbeat=None) as socket,
    ):

        async def place(amount: int) -> dict:
            request_id = uuid.uuid4().hex
            await socket.send_str(
                json.dumps({"type": "bid", "amount": _money(amount), "request_id": request_id})
            )
            while True:  # the lot's live events arrive between; the answer names its request
                frame = await socket.receive()
                if frame.type != aiohttp.WSMsgType.TEXT:
                    return {"error": f"socket {frame.type.name}"}
                answer = json.loads(frame.data)
                if answer.get("type") == "bid_result" and answer.get("request_id") == request_id:
                    return answer

        await _closed_loop(spec, clock, results, place)


async def run(spec: dict) -> dict:
    now = time.monotonic()
    clock = {"go": now + spec["warmup"], "end": now + spec["warmup"] + spec["seconds"]}
    results: dict = {"requests": [], "acknowledged": []}
    bidder = _socket_bidder if spec["url"].startswith("ws") else _bidder
    tasks = [
        asyncio.create_task(bidder(spec, cookies, clock, results)) for cookies in spec["cookies"]
    ]
    await asyncio.sleep(clock["go"] - time.monotonic())
    print("GO", flush=True)
    await asyncio.sleep(max(0.0, clock["end"] - time.monotonic()))
    print("END", flush=True)
    await asyncio.gather(*tasks)
    return results


def main() -> None:
    spec = json.loads(sys.stdin.read())
    import uvloop

    results = uvloop.run(run(spec))
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
