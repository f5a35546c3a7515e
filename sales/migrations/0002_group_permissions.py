"""Houses (sellers) run their own sales in the admin; moderators see every sale."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SALE_PERMISSIONS = [
    ("sales", "add_sale"),
    ("sales", "change_sale"),
    ("sales", "view_sale"),
    ("sales", "add_premiumband"),
    ("sales", "change_premiumband"),
    ("sales", "delete_premiumband"),
    ("sales", "view_premiumband"),
    ("sales", "change_registration"),
    ("sales", "view_registration"),
]
GROUP_PERMISSIONS = {"Sellers": SALE_PERMISSIONS, "Moderators": SALE_PERMISSIONS}


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
        ("sales", "0001_initial"),
        ("auctions", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
