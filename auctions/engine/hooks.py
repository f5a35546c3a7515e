"""The two places where the engine hands what it wrote to the apps above it, set once at startup.

The engine never imports those apps (a test holds it to that). What a ledger row implies beyond
the engine must commit with the row, and the ledger is written from several paths (a bid, a
close, a cancel, a void, the reconciler, and a read that reloads a lost hot state), so the
function that writes it is registered here, once, by `AuctionsConfig.ready`, rather than
passed by each caller: a read (a page, the admin list, a socket connect) may repair the ledger,
and threading a callable through every reader would only add ways to forget it.

- `consequences(auction=, events=)`: called by the ledger writer inside its transaction with
  the events it wrote (an order for a sale, the outbox's emails).
- `announce(auction=, events=)`: called by `hot_state.load` with the events it wrote on the way
  (the stream was ahead of the ledger when Redis lost the state hash). Its callers (the reads,
  and the lifecycle scripts reloading a lost state, even when they then refuse) have no outcome
  to carry them. Everything else an engine write records it returns (`BidOutcome.recorded`,
  `Recorded.events`; the bid path reloads through `load_repairing`) and its service announces.

Nothing is registered through signals: `register` is the only entry, and using the engine
before it ran raises `ImproperlyConfigured` instead of silently dropping a consequence.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from auctions.engine.records import Event
from auctions.models import Auction


class Hook(Protocol):
    """Takes an auction and events the engine wrote to its ledger (in seq order)."""

    def __call__(self, *, auction: Auction, events: Sequence[Event]) -> None: ...


@dataclass(frozen=True)
class _Hooks:
    consequences: Hook
    announce: Hook


_hooks: _Hooks | None = None


def register(*, consequences: Hook, announce: Hook) -> None:
    """Set the engine's two hooks (see the module docstring); a second call replaces them."""
    global _hooks
    _hooks = _Hooks(consequences=consequences, announce=announce)


def _registered() -> _Hooks:
    if _hooks is None:
        raise ImproperlyConfigured("the engine's hooks are not registered (AuctionsConfig.ready)")
    return _hooks


def consequences(auction: Auction, events: Sequence[Event]) -> None:
    """Write what `events` imply, in the caller's (the ledger's) transaction."""
    hook = _registered().consequences
    if events:
        hook(auction=auction, events=events)


def announce(auction: Auction, events: Sequence[Event]) -> None:
    """Announce events a read repaired (the hook waits for the commit)."""
    hook = _registered().announce
    if events:
        hook(auction=auction, events=events)
