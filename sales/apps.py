from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Catalog sales"

    def ready(self) -> None:
        from auctions.engine import registrations
        from sales.services.registration import standings_of

        # The engine rebuilds a sale's registrations from these rows (it imports no app).
        registrations.source_register(standings_of)
