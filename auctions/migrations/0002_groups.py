"""Create the `Sellers` and `Moderators` groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Sellers": [
        ("auctions", "add_auction"),
        ("auctions", "change_auction"),
        ("auctions", "delete_auction"),
        ("auctions", "view_auction"),
        ("auctions", "view_bid"),
        ("auctions", "view_category"),
    ],
    "Moderators": [
        ("auctions", "view_auction"),
        ("auctions", "change_auction"),
        ("auctions", "moderate_auction"),
        ("auctions", "view_bid"),
        ("auctions", "view_category"),
        ("auctions", "add_category"),
        ("auctions", "change_category"),
        ("auctions", "view_report"),
        ("auctions", "change_report"),
        ("auctions", "view_auditlog"),
        ("auctions", "view_watch"),
        ("accounts", "view_user"),
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
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


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
