"""Keep each listing's lifecycle in step with Wagtail's publishing and moderation workflow.

Status moves are cms.lifecycle transitions; the curators' review decisions go to the audit log.
"""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from wagtail.signals import (
    page_published,
    page_unpublished,
    task_approved,
    task_rejected,
    workflow_rejected,
)

from marketplace.audit.services import audit_record

from . import lifecycle
from .lifecycle import Transition


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


def _listing(page):
    return page if page is not None and lifecycle.is_listing(page) else None


@receiver(page_published)
def listing_published(sender, instance, **kwargs):
    # Every publish fires this; only a listing not yet public changes status.
    if _listing(instance):
        lifecycle.move(instance, Transition.PUBLISH, strict=False)


@receiver(page_unpublished)
def listing_unpublished(sender, instance, **kwargs):
    if _listing(instance):
        lifecycle.move(instance, Transition.UNPUBLISH, strict=False)


def _workflow_page(workflow_state):
    page = workflow_state.content_object if workflow_state is not None else None
    return _listing(page.specific if page is not None else None)


@receiver(workflow_rejected)
def listing_sent_back(sender, instance, user=None, **kwargs):
    page = _workflow_page(instance)
    if page is not None:
        lifecycle.move(page, Transition.RETURN, strict=False)


@receiver(task_approved)
def review_approved(sender, instance, user=None, **kwargs):
    """A curator's approval of a listing is an audited decision."""
    _audit_review(instance, user, "listing.approve")


@receiver(task_rejected)
def review_returned(sender, instance, user=None, **kwargs):
    """A curator's return (Wagtail's "request changes") is an audited decision with its reason."""
    _audit_review(instance, user, "listing.return")


def _audit_review(task_state, user, action: str) -> None:
    page = _workflow_page(task_state.workflow_state)
    if page is None:
        return
    audit_record(
        actor=user,
        action=action,
        obj=page,
        note=task_state.comment or "",
        details={"kind": lifecycle.kind_of(page), "status": page.status},
    )
