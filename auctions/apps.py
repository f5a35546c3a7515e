from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "Auctions"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from auctions import engine
        from auctions.models import Auction
        from auctions.selectors import forget_bid_target
        from auctions.services.announce import announce_repaired
        from auctions.services.consequences import record_consequences
        from auctions.services.standing import connect_signals as connect_standing_signals

        # The engine's one link upward: what its ledger rows imply (in their transaction) and
        # the announcement of events a read repaired (see auctions/engine/hooks.py).
        engine.hooks_register(consequences=record_consequences, announce=announce_repaired)

        def forget(sender, instance, **kwargs):
            forget_bid_target(auction_id=instance.pk)

        post_save.connect(forget, sender=Auction, weak=False, dispatch_uid="gavel-bid-target")
        post_delete.connect(forget, sender=Auction, weak=False, dispatch_uid="gavel-bid-target-del")
        # A change to a user (suspension, deactivation, a confirmed email, a new password) drops
        # the standing the hot path keeps for them.
        connect_standing_signals()
