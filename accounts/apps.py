from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the audit of login lockouts to django-axes' signal.
        from accounts import throttle  # noqa: F401
        from accounts.backends import connect_signals

        connect_signals()
