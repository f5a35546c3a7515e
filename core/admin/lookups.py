"""Which query-string filters an admin change list accepts: only the ones it declares.

Django's admin accepts any `field__lookup=value` on a model's own fields in the change list's
query string (`?max_amount__gte=500`). Each answer says whether some row matches, so a binary
search over such a filter reads a value the page never shows (a bidder's maximum, a reserve).
`DeclaredLookupsOnly` narrows that to the filters the admin declares (`list_filter`,
`date_hierarchy`) and the popups' `limit_choices_to`; any other lookup is refused with 400.
"""

from django.contrib.admin import SimpleListFilter, widgets
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from core.admin.bases import ModelAdminMixin


def field_path(model, lookup: str) -> list[str]:
    """The field names at the front of `lookup`, followed through relations.

    `"auction__reserve_price__gte"` on `Bid` gives `["auction", "reserve_price"]`; the parts
    after the first field that is not a relation are lookups or transforms and are left out.
    """
    path: list[str] = []
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        path.append(part)
        if not getattr(field, "path_infos", None):
            break
        model = field.path_infos[-1].to_opts.model
    return path


def _is_primary_key_tail(model, path: list[str]) -> bool:
    """Whether `path` (relative to `model`) is empty or only names the target's primary key."""
    if not path:
        return True
    return len(path) == 1 and path[0] in ("pk", model._meta.pk.name)


def _related_model(model, path: list[str]):
    for part in path:
        field = model._meta.get_field(part)
        if not getattr(field, "path_infos", None):
            return None
        model = field.path_infos[-1].to_opts.model
    return model


class DeclaredLookupsOnly(ModelAdminMixin):
    """A ModelAdmin mixin: change-list filters only through what the admin declares.

    A lookup is allowed when it starts with a declared filter's field path (and goes on, if at
    all, only to that relation's primary key, as Django's related-field filters do), when it is a
    `SimpleListFilter`'s own parameter, or when it is a raw-id popup's `limit_choices_to`.
    """

    def declared_filter_paths(self, request) -> list[list[str]]:
        """The field paths of `list_filter` and `date_hierarchy` for this request."""
        paths = []
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                continue
            name = item[0] if isinstance(item, (list, tuple)) else item
            paths.append(field_path(self.model, str(name)))
        if self.date_hierarchy:
            paths.append(field_path(self.model, self.date_hierarchy))
        return [path for path in paths if path]

    def _limit_choices_lookup(self, lookup: str, value) -> bool:
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False

    def lookup_allowed(self, lookup, value, request=None):
        if "\x00" in str(value):
            return False  # no stored value holds a NUL, and PostgreSQL refuses it in a query
        if self._limit_choices_lookup(lookup, value):
            return True
        if not super().lookup_allowed(lookup, value, request):
            return False
        path = field_path(self.model, lookup)
        if not path:
            # Not a field: a SimpleListFilter's parameter, or something the change list ignores
            # or rejects as an incorrect lookup.
            return True
        for declared in self.declared_filter_paths(request):
            if path[: len(declared)] != declared:
                continue
            target = _related_model(self.model, declared)
            if target is not None and _is_primary_key_tail(target, path[len(declared) :]):
                return True
            if target is None and len(path) == len(declared):
                return True
        return False
