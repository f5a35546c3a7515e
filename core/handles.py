"""The public handle of a person: how bidders appear to each other."""


def mask_username(username: str) -> str:
    """Mask a username as docs/design.md §4 says: `"bidder7"` → `"b***7"`."""
    if not username:
        return "***"
    return f"{username[0]}***{username[-1]}"
