from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Questions to sellers"

    def ready(self):
        from accounts import privacy
        from questions.privacy import PERSONAL_DATA

        privacy.register(PERSONAL_DATA)
