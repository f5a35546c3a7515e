from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "After the sale"

    def ready(self):
        from auctions.signals import auction_sold, worker_pass
        from orders.receivers import close_and_expire, open_order_for_sale

        auction_sold.connect(open_order_for_sale, dispatch_uid="orders-open-for-sale")
        worker_pass.connect(close_and_expire, dispatch_uid="orders-worker-pass")
