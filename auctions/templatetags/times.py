"""`{% local_time moment "datetime" %}`: a `<time>` the live layer rewrites in the viewer's zone.

Without JavaScript the text is UTC with the zone named; with it, `auction.js` rewrites every
`time.local-time` in the browser's zone with the zone named, in the same format, so the page
shows one format everywhere (also after a soft-close extension).
"""

from datetime import UTC

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil

from auctions import wire

register = template.Library()

STYLES = ("datetime", "time")


def utc_text(moment, style: str = "datetime") -> str:
    """How a moment reads without JavaScript: "Sun 29 Nov 2026, 10:35:02 UTC"."""
    utc = moment.astimezone(UTC)
    clock = utc.strftime("%H:%M:%S UTC")
    if style == "time":
        return clock
    return f"{utc:%a} {utc.day} {utc:%b %Y}, {clock}"


@register.simple_tag
def local_time(moment, style: str = "datetime", element_id: str = "", css: str = ""):
    """A `<time class="local-time">` element for `moment` ("datetime" or "time" style)."""
    if moment is None or style not in STYLES:
        return ""
    id_attr = format_html(' id="{}"', element_id) if element_id else ""
    return format_html(
        '<time class="local-time{}"{} datetime="{}" data-style="{}">{}</time>',
        f" {css}" if css else "",
        id_attr,
        wire.iso(moment),
        style,
        utc_text(moment, style),
    )


@register.simple_tag
def time_left(moment, now=None) -> str:
    """How long until `moment`, as the list says it: "under a minute" in the last minute (never
    "0 minutes"), else Django's `timeuntil` ("2 hours, 5 minutes")."""
    now = now or timezone.now()
    if (moment - now).total_seconds() < 60:
        return "under a minute"
    return timeuntil(moment, now)
