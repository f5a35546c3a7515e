from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Catalog sales"

    def ready(self) -> None:
        from auctions import engine
        from sales.services.registration import standings_of

        # The engine rebuilds a sale's registrations from these rows (it imports no app).
        engine.registrations_source_register(standings_of)
