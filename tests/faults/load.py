"""Concurrent bidders over HTTP, as real clients: each bid has a request id, a 503 or a lost
connection is retried with the same id (on the other web server when one is gone), and every
final answer is kept for the checks."""

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field

import aiohttp

RETRIES = 40
RETRY_DELAY = 0.25


@dataclass
class Bidder:
    user_id: int
    cookies: dict


@dataclass
class Answer:
    auction_id: int
    bidder: Bidder
    request_id: str
    amount: str
    status: int
    body: dict
    at: float


@dataclass
class Tally:
    answers: list[Answer] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def accepted(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status == 201]


_ids = itertools.count(1)


def _headers(bidder: Bidder) -> dict:
    cookie = "; ".join(f"{name}={value}" for name, value in bidder.cookies.items())
    return {
        "Cookie": cookie,
        "X-CSRFToken": bidder.cookies["csrftoken"],
        "Content-Type": "application/json",
    }


async def place(session, bases, tally, auction_id, bidder, amount, request_id) -> Answer:
    """POST one bid until it has a final answer (not 503, not a dropped connection)."""
    body = {"amount": amount, "request_id": request_id}
    for attempt in range(RETRIES):
        base = (
            bases[(attempt + bidder.user_id) % len(bases)]
            if attempt
            else bases[bidder.user_id % len(bases)]
        )
        try:
            async with session.post(
                f"{base}/api/auctions/{auction_id}/bids", json=body, headers=_headers(bidder)
            ) as response:
                status = response.status
                payload = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError):
            tally.count(0)
            await asyncio.sleep(RETRY_DELAY)
            continue
        tally.count(status)
        if status >= 500 and status != 503:
            tally.server_errors.append(f"{status} {payload}")
        if status == 503:
            await asyncio.sleep(RETRY_DELAY)
            continue
        return Answer(auction_id, bidder, request_id, amount, status, payload, time.monotonic())
    return Answer(auction_id, bidder, request_id, amount, 503, {}, time.monotonic())


async def _bidder_loop(session, bases, tally, auctions, bidder, stop: asyncio.Event, prices):
    while not stop.is_set():
        auction_id = random.choice(auctions)  # noqa: S311 - load, not security
        minimum = prices.get(auction_id, 1000)
        amount = minimum + random.choice([0, 0, 100, 250])  # noqa: S311
        answer = await place(
            session, bases, tally, auction_id, bidder, f"{amount / 100:.2f}", f"f-{next(_ids)}"
        )
        tally.answers.append(answer)
        min_bid = answer.body.get("min_bid")
        if min_bid:
            prices[auction_id] = max(prices.get(auction_id, 0), round(float(min_bid) * 100))
        elif answer.status == 201:
            price = round(float(answer.body.get("price", "0")) * 100)
            prices[auction_id] = max(prices.get(auction_id, 0), price + 100)
        await asyncio.sleep(random.uniform(0.02, 0.1))  # noqa: S311


def bid_once(base: str, auction_id: int, bidder: Bidder, request_id: str) -> None:
    """One bid a little above the auction's minimum, sent once (no retry): for a fault hook
    that kills the process answering it. Any answer or a dropped connection will do."""
    import json
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{base}/api/auctions/{auction_id}", timeout=10) as response:  # noqa: S310
        minimum = round(float(json.load(response)["min_bid"]) * 100)
    body = json.dumps({"amount": f"{(minimum + 1000) / 100:.2f}", "request_id": request_id})
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/auctions/{auction_id}/bids",
        data=body.encode(),
        headers=_headers(bidder),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass  # refused (an HTTPError), or the process died under it
    time.sleep(0.5)


async def run_load(bases, bidders, auctions, stop: asyncio.Event, tally: Tally) -> None:
    """Every bidder bids until `stop` is set."""
    prices: dict[int, int] = {}
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(
            *(_bidder_loop(session, bases, tally, auctions, b, stop, prices) for b in bidders)
        )


async def retry_all(bases, answers: list[Answer], tally: Tally) -> list[str]:
    """Send each answered request again with its request id: it must get its first answer."""
    problems = []
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for first in answers:
            again = await place(
                session,
                bases,
                tally,
                first.auction_id,
                first.bidder,
                first.amount,
                first.request_id,
            )
            if again.status != 201 or again.body.get("seq") != first.body.get("seq"):
                problems.append(
                    f"retry of {first.request_id}: {again.status} {again.body} "
                    f"(first: seq {first.body.get('seq')})"
                )
    return problems
