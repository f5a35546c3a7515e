"""The notice kinds Gavel writes. A kind is a plain string, so other apps may add their own."""

OUTBID = "outbid"
WON = "won"
LOST = "lost"
ENDING_SOON = "ending_soon"
SOLD = "sold"
NOT_SOLD = "not_sold"
CANCELLED = "cancelled"
