import os

from django.core.wsgi import get_wsgi_application

# Production when unset: a forgotten variable fails closed (no DEBUG, no built-in key).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.production")

application = get_wsgi_application()
