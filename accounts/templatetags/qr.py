"""`{{ text|qr_svg }}`: a QR code of `text` as inline SVG (segno), for the 2FA set-up page.

Inline SVG with presentation attributes only (no style attribute, no script), so the strict
Content-Security-Policy lets it render; the authenticator app scans it off the screen.
"""

import segno
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def qr_svg(text: str) -> SafeString:
    """The QR code of `text` (medium error correction, 4 px modules, quiet zone included)."""
    code = segno.make(str(text), error="m")
    # segno writes the SVG itself from the QR matrix: no part of `text` reaches the markup.
    svg = code.svg_inline(scale=4, title="QR code for your authenticator app", svgclass="qr")
    return mark_safe(svg)  # noqa: S308 (generated markup, see above)
