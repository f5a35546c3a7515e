"""The base of the ModelAdmin mixins: `ModelAdmin` to the type checker, `object` at run time
(the mixins are combined with `admin.ModelAdmin` where they are used)."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin

if TYPE_CHECKING:
    ModelAdminMixin = admin.ModelAdmin[Any]
else:
    ModelAdminMixin = object
