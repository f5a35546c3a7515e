"""The admin: sellers manage only their own auctions; moderators and superusers see everything.

Scoping lives in each admin's `get_queryset`, which every admin URL of an object goes through
(change, delete, history, autocomplete and the moderation views), so a seller gets a "not found"
redirect for anyone else's auction. Moderation happens through the services of
`auctions.services.moderation`, never by editing fields: those write the audit log.

One module per admin; importing them here registers them when Django autodiscovers
`auctions.admin`. The toolkit they share with the other apps' admins (the reason form, actions
and views, the per-request role checks) is in `core.admin`.
"""

# Imported for their `@admin.register` side effect.
from django.contrib import admin  # noqa: E402

from auctions.admin import (  # noqa: F401
    auctions,
    bids,
    categories,
    reports,
    users,
    watches,
)

admin.site.site_header = "Gavel administration"
admin.site.site_title = "Gavel admin"
admin.site.index_title = "Auctions, bids and people"
