# Bid.leader: who led right after each bid (the history credits an automatic bid to them).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill_leaders(apps, schema_editor):
    """Replay each auction's ceilings in seq order (docs/design.md §3): the leader is the highest
    ceiling, ties to whoever reached it first; buying now makes the buyer the leader."""
    Bid = apps.get_model("auctions", "Bid")
    auction_ids = Bid.objects.filter(leader__isnull=True).values_list("auction_id", flat=True)
    for auction_id in sorted(set(auction_ids)):
        ceilings = {}
        for order, bid in enumerate(Bid.objects.filter(auction_id=auction_id).order_by("seq")):
            offered = max(bid.amount or 0, bid.max_amount or 0, bid.price if bid.kind == "buy_now" else 0)
            previous = ceilings.get(bid.bidder_id)
            if previous is None or offered > previous[0]:
                ceilings[bid.bidder_id] = (offered, order)
            if bid.kind == "buy_now":
                leader = bid.bidder_id
            else:
                leader = min(ceilings, key=lambda b: (-ceilings[b][0], ceilings[b][1]))
            Bid.objects.filter(pk=bid.pk).update(leader_id=leader)


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0003_auditlog_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="bid",
            name="leader",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill_leaders, migrations.RunPython.noop),
    ]
