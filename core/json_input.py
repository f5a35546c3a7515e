"""Reading JSON from clients (API bodies, WebSocket frames) strictly.

Numbers keep the text the client wrote (`JsonNumber`), so the money gate sees `1e2` as written
and refuses it instead of reading the float 100.0; `NaN` and `Infinity` are refused; a document
nested too deeply for the parser is refused like any malformed one (never a crash).
"""

import json
from dataclasses import dataclass

from core.errors import BadRequest, BodyTooLarge

# API bodies are `application/json` of at most 64 KiB (docs/design.md, public interface).
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class JsonNumber:
    """A JSON number as the client wrote it (`"12.50"`, `"1e2"`), for the gate to judge."""

    text: str


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def loads(raw: str | bytes) -> object:
    """The document in `raw`; ValueError for anything that is not strict, readable JSON."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(
            text,
            parse_float=JsonNumber,
            parse_int=JsonNumber,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError("unreadable JSON") from error


def document(body: bytes, *, content_type: str | None, too_large: bool) -> object:
    """An API request's JSON document: `BodyTooLarge` (413) when the body was over
    `MAX_BODY_BYTES`, `BadRequest` unless it is `application/json` and strict JSON."""
    if too_large or len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if content_type != "application/json":
        raise BadRequest("API bodies are application/json.")
    try:
        return loads(body or b"null")
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None
