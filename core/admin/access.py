"""Who the request's user is to the admin: sees every auction, moderates, may list."""

from core.roles import sees_all_auctions


def sees_all(request) -> bool:
    """`sees_all_auctions` for the request's user, asked once per request (it is a query)."""
    if not hasattr(request, "_gavel_sees_all"):
        request._gavel_sees_all = sees_all_auctions(request.user)
    return request._gavel_sees_all


def acts_as_moderator(request) -> bool:
    """A moderator (or superuser) who is not suspended may moderate."""
    # Moderators see all auctions (core.roles); the suspended ones may no longer act.
    return sees_all(request) and not request.user.is_suspended


def may_list(user) -> bool:
    """Suspended users cannot list, nor change their listings."""
    return not getattr(user, "is_suspended", False)


class ReadOnlyAdminMixin:
    """Viewable only: nothing is added, changed or deleted through this admin (or inline).

    Changes to what it shows go through the services (the engine, moderation), which audit them.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
