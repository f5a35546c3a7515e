"""The admin toolkit every app's admin uses, and the audit log's own admin.

`access` holds the per-request role checks, `bases` the typed ModelAdmin base, `lookups` the
declared-filters guard, `reason` the reason form, actions and views of staff actions.
"""

# Imported for its `@admin.register` side effect when Django autodiscovers `core.admin`.
from core.admin import audit  # noqa: F401
