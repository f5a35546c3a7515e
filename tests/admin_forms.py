"""POST data for the auction admin's add and change forms, as a browser would send it."""

from datetime import timedelta

from django.utils import timezone

# The read-only bid ledger inline's management form: no rows are ever submitted.
BID_INLINE = {"bids-TOTAL_FORMS": "0", "bids-INITIAL_FORMS": "0"}
# The photo gallery inline's management form: no photos added.
PHOTO_INLINE = {"photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"}


def add_form(**overrides) -> dict:
    """A valid new listing starting now and ending in a day, with `overrides` applied."""
    now = timezone.now()
    data = {
        "title": "New lot",
        "description": "",
        "starting_price": "10.00",
        "reserve_price": "",
        "buy_now_price": "",
        "increment": "",
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": now.strftime("%H:%M:%S"),
        "ends_at_0": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
        "ends_at_1": now.strftime("%H:%M:%S"),
        "extension_window": "00:02:00",
        "hard_close_at_0": "",
        "hard_close_at_1": "",
        **BID_INLINE,
        **PHOTO_INLINE,
    }
    data.update(overrides)
    return data


def change_form(auction, **overrides) -> dict:
    """The change form of `auction` as rendered, with `overrides` applied."""
    data = add_form(
        title=auction.title,
        description=auction.description,
        starting_price=str(auction.starting_price / 100),
        starts_at_0=auction.starts_at.strftime("%Y-%m-%d"),
        starts_at_1=auction.starts_at.strftime("%H:%M:%S"),
        ends_at_0=auction.ends_at.strftime("%Y-%m-%d"),
        ends_at_1=auction.ends_at.strftime("%H:%M:%S"),
    )
    data.update(overrides)
    return data
