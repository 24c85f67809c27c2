"""The Jiebang project package (settings, URLs and the domain apps).

The ``dbid`` path converter is registered here, on import of the package: Django
imports the settings (``marketplace.settings.*``) before it loads the apps, and
Wagtail's snippets app already collects the apps' admin hooks, and so their admin
URLs, while the apps load.
"""

from django.urls import register_converter

from marketplace.converters import DatabaseIdConverter

register_converter(DatabaseIdConverter, "dbid")
