"""`notices_unread` in every page's context: how many notices the user has not read yet.

A callable, so the count query runs only on pages that show it (the site's header), never on
the admin's or an anonymous visitor's.
"""

from notices.selectors import notices_unread_count


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notices_unread": lambda: notices_unread_count(user=user)}
