"""Engine time: integer milliseconds since the epoch, as the Lua scripts and Redis TIME use."""

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    """An aware datetime as integer milliseconds since the epoch (floored)."""
    return (moment - EPOCH) // _MS


def from_ms(value: int | str) -> datetime:
    """Integer milliseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=int(value))


def duration_ms(duration: timedelta | None) -> int:
    """A duration as integer milliseconds (floored); None counts as zero."""
    return duration // _MS if duration else 0
