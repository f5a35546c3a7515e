"""The after-sale refusals' shared sentences. The codes are the kernel's (`core.errors`, one class
per code): not the person's order is `NotAllowed` (403), a step the order or offer is not at is
`InvalidState` (409), unreadable input is `BadRequest` or `InvalidAmount` (400)."""

NOT_YOUR_ORDER = "This is not your order."
OFFER_CLOSED = "This offer is no longer open."
