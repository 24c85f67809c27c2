"""Keep each listing's lifecycle in step with Wagtail's moderation workflow."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, workflow_rejected

from .models import DemandPage, DemandStatus, TechnologyPage, TechnologyStatus

LISTING_MODELS = (DemandPage, TechnologyPage)
PUBLISHED_STATE = {DemandPage: DemandStatus.OPEN, TechnologyPage: TechnologyStatus.PUBLISHED}
PRE_PUBLICATION = {"draft", "in_review", "rejected"}


@receiver(post_migrate)
def create_site_structure(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "cms":
        from django.apps import apps
        from django.contrib.auth.management import create_permissions
        from django.contrib.contenttypes.management import create_contenttypes

        from .setup import ensure_site_structure

        # post_migrate reaches cms before auth and wagtail have made their rows
        # (always so after a test flush), so make them first; both are idempotent.
        for config in apps.get_app_configs():
            create_contenttypes(config, verbosity=0)
            create_permissions(config, verbosity=0)
        ensure_site_structure()


def _set_status(page, status: str) -> None:
    # An update, not save(): the lifecycle is page-wide and must not create a revision.
    type(page).objects.filter(pk=page.pk).update(status=status)
    page.status = status


@receiver(page_published)
def listing_published(sender, instance, **kwargs):
    if isinstance(instance, LISTING_MODELS) and instance.status in PRE_PUBLICATION:
        _set_status(instance, PUBLISHED_STATE[type(instance)])


@receiver(page_unpublished)
def listing_unpublished(sender, instance, **kwargs):
    if isinstance(instance, LISTING_MODELS) and instance.status != "withdrawn":
        _set_status(instance, "withdrawn")


@receiver(workflow_rejected)
def listing_sent_back(sender, instance, user=None, **kwargs):
    page = instance.content_object.specific if instance.content_object else None
    if isinstance(page, LISTING_MODELS) and page.status == "in_review":
        _set_status(page, "rejected")
