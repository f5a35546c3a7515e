"""Who is who: the `Sellers` and `Moderators` groups and the checks built on them."""

SELLERS_GROUP = "Sellers"
MODERATORS_GROUP = "Moderators"


def in_group(user, name: str) -> bool:
    """True when `user` is an active member of the group called `name`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.groups.filter(name=name).exists()


def is_moderator(user) -> bool:
    """Staff moderators and superusers see and moderate every auction."""
    return bool(user.is_superuser) or (user.is_staff and in_group(user, MODERATORS_GROUP))


def is_seller(user) -> bool:
    """Staff in the `Sellers` group list auctions through the admin."""
    return bool(user.is_staff) and in_group(user, SELLERS_GROUP)


def sees_all_auctions(user) -> bool:
    """Whether the admin shows `user` every auction rather than only their own."""
    return is_moderator(user)
