"""Sellers work their own orders in the admin; moderators see every order, offer and rating."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Sellers": [
        ("orders", "view_order"),
        ("orders", "change_order"),
        ("orders", "view_secondchanceoffer"),
        ("orders", "view_feedback"),
    ],
    "Moderators": [
        ("orders", "view_order"),
        ("orders", "change_order"),
        ("orders", "view_secondchanceoffer"),
        ("orders", "view_feedback"),
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, permissions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, codename in permissions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, permissions in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for app_label, codename in permissions:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("auctions", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
