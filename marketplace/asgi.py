import os

from django.core.asgi import get_asgi_application

# Production when unset: a forgotten variable fails closed (no DEBUG, no built-in key).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.production")

application = get_asgi_application()
