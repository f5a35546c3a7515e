"""The audit log moves from `auctions` to the kernel, in Django's state only.

The table, its rows, its index and its append-only trigger (auctions 0003) stay exactly as they
are: the model keeps `db_table = "auctions_auditlog"`, so the database sees no change at all. The
content type is renamed in place, so the permissions that point at it (the Moderators group's
`view_auditlog`) and the admin's history follow the model.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="auditlog").exists():
        ContentType.objects.filter(app_label="auctions", model="auditlog").update(app_label="core")


def content_type_to_auctions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="auctions", model="auditlog").exists():
        ContentType.objects.filter(app_label="core", model="auditlog").update(app_label="auctions")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auctions", "0006_auction_photos"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(max_length=50)),
                        ("target_type", models.CharField(max_length=50)),
                        ("target_id", models.CharField(max_length=50)),
                        ("target_repr", models.CharField(blank=True, max_length=200)),
                        ("reason", models.TextField(blank=True)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="audit_entries", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["target_type", "target_id"], name="auctions_au_target__09c5ac_idx")],
                        "db_table": "auctions_auditlog",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_auctions),
    ]
