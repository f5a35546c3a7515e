"""Refusals of the after-sale services. They share the site's `NOT_ALLOWED` code (one root)."""

from core.errors import NotAllowed


class NotYourOrder(NotAllowed):
    """The user is neither the order's buyer nor its seller (nor a moderator, where allowed)."""

    message = "This is not your order."


class WrongStep(NotAllowed):
    """The order is not at a step this action may follow (e.g. shipping before payment)."""

    http_status = 409
    message = "This order is not at that step."


class OfferRefused(NotAllowed):
    """A second-chance offer cannot be made, or is no longer open (taken, declined, expired)."""

    http_status = 409
    message = "This offer is no longer open."


class FeedbackRefused(NotAllowed):
    """Feedback is left once per side, after the order is received or closed."""

    http_status = 409
    message = "You cannot leave feedback on this order."
