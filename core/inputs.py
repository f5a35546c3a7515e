"""The gates every piece of outside input passes: one function and one length limit per input.

Amounts go through `core.money.parse_amount` (form, API and WebSocket alike); request ids
through `request_id`; reasons through `reason`. Each refuses with one code of
`core.errors`, so every surface refuses the same values the same way.
"""

import re
import uuid

from core.errors import BadRequest, InvalidAmount, InvalidReason

# The longest request id (the `Bid.request_id` column holds it, suffixed when it is reused).
REQUEST_ID_MAX = 64
# The longest reason (a cancel, a void, a suspension, a report's details).
REASON_MAX = 500

# No text column takes it (PostgreSQL refuses it: a DataError, a 500), and no person types it.
NUL = "\x00"

# What a client may send: ids are echoed in replies and logs, so a plain alphabet.
_CLIENT_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{REQUEST_ID_MAX}}}")


def new_request_id() -> str:
    """A fresh idempotency key (what the form embeds and the API uses when none is sent)."""
    return uuid.uuid4().hex


def request_id(value: object) -> str:
    """The request id to use: `value`, or a new one when none was sent; else BAD_REQUEST.

    From a client (form, API, WebSocket) it is 1-64 letters, digits or `. _ : -`.
    """
    if value is None or value == "":
        return new_request_id()
    if not isinstance(value, str) or not _CLIENT_REQUEST_ID.fullmatch(value):
        raise BadRequest(f"request_id must be 1-{REQUEST_ID_MAX} letters, digits or . _ : -")
    return value


def amount_pair(cents: int | None, max_cents: int | None) -> None:
    """Refuse a bid with neither an amount nor a maximum, or a maximum below the amount."""
    if cents is None and max_cents is None:
        raise InvalidAmount("Enter an amount to bid.")
    if cents is not None and max_cents is not None and max_cents < cents:
        raise InvalidAmount("Your maximum must be at least your bid.")


def reason(value: object, *, required: bool = True) -> str:
    """The stripped reason; INVALID_REASON when missing (if required), not text, too long or
    holding a NUL character."""
    if value is not None and not isinstance(value, str):
        raise InvalidReason("The reason must be text.")
    text = value.strip() if isinstance(value, str) else ""
    if NUL in text:
        raise InvalidReason("The reason may not contain a NUL character.")
    if required and not text:
        raise InvalidReason("A reason is required.")
    if len(text) > REASON_MAX:
        raise InvalidReason(f"The reason is at most {REASON_MAX} characters.")
    return text
