"""The audit log now belongs to `core` (core 0001): removed from this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0007_auction_sale_lot"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditLog")],
            database_operations=[],
        ),
    ]
