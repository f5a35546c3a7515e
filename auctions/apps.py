from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "Auctions"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from auctions.models import Auction
        from auctions.selectors import forget_bid_target

        def forget(sender, instance, **kwargs):
            forget_bid_target(auction_id=instance.pk)

        post_save.connect(forget, sender=Auction, weak=False, dispatch_uid="gavel-bid-target")
        post_delete.connect(forget, sender=Auction, weak=False, dispatch_uid="gavel-bid-target-del")
