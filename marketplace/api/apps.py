from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "marketplace.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from django.urls import register_converter

        from .converters import DatabaseIdConverter

        # Registered before any URLconf is loaded, so every API router can name it.
        register_converter(DatabaseIdConverter, "dbid")
