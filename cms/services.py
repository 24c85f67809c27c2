"""Writes on listings: members create, edit, submit and withdraw; curators review in Wagtail.

Every save is a Wagtail revision and nothing here publishes: publication happens only
when the curators' approval task finishes the moderation workflow (cms/signal_handlers.py
then moves the lifecycle status). Status changes are cms.lifecycle transitions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.models import WorkflowState

from marketplace.audit.services import audit_record
from marketplace.organisations.models import Organisation
from marketplace.organisations.permissions import is_member_of

from . import lifecycle
from .lifecycle import ListingStateError, Transition
from .models import (
    DemandAttachment,
    DemandIndicator,
    DemandPage,
    TechnologyAttachment,
    TechnologyIP,
    TechnologyPage,
)
from .permissions import can_edit_listing

ListingPage = DemandPage | TechnologyPage
Rows = Iterable[dict[str, Any]]

CHILD_MODELS = {
    DemandPage: {"indicators": DemandIndicator, "attachments": DemandAttachment},
    TechnologyPage: {"ip_items": TechnologyIP, "attachments": TechnologyAttachment},
}


def listing_draft(page: ListingPage) -> ListingPage:
    """The newest version of a listing: its latest revision, or the page itself."""
    return page.get_latest_revision_as_object() if page.latest_revision_id else page


def unique_slug(kind: str, parent) -> str:
    while True:
        slug = f"{kind}-{secrets.token_hex(4)}"
        if not parent.get_children().filter(slug=slug).exists():
            return slug


def child_ref(child, position: int) -> str:
    """A row's key: the child's id, or its position when it exists only in a revision."""
    return str(child.pk) if child.pk else f"n{position}"


def apply_fields(page: ListingPage, data: dict[str, Any]) -> None:
    modes = data.pop("cooperation_modes", None)
    for name, value in data.items():
        setattr(page, name, value)
    if modes is not None:
        page.cooperation_modes = list(modes)


def apply_children(page: ListingPage, relation: str, rows: Rows) -> None:
    """Replace an inline list, updating existing rows in place so their ids stay stable."""
    model = CHILD_MODELS[type(page)][relation]
    existing = {
        child_ref(child, position): child
        for position, child in enumerate(getattr(page, relation).all())
    }
    children = []
    for row in rows:
        row = dict(row)
        ref = row.pop("ref", None)
        if row.pop("DELETE", False):
            continue
        child = existing.get(ref) or model()
        for name, value in row.items():
            if name != "file" or value:
                setattr(child, name, value)
        child.page = page
        child.full_clean(exclude=["page"])
        children.append(child)
    setattr(page, relation, children)


def apply_input(page: ListingPage, data: dict[str, Any], children: dict[str, Rows]) -> None:
    apply_fields(page, dict(data))
    for relation, rows in children.items():
        apply_children(page, relation, rows)


def check_member(user, page: ListingPage) -> None:
    if not is_member_of(user, page.organisation_id):
        raise PermissionDenied


def check_editable(user, page: ListingPage) -> None:
    check_member(user, page)
    if not can_edit_listing(user, page):
        raise ListingStateError(
            _("当前状态（%(status)s）不能修改。") % {"status": page.get_status_display()}
        )
    if page.workflow_in_progress:
        raise ListingStateError(_("审核中的项目不能修改，请等待审核结果或先撤回。"))


def locked(page: ListingPage) -> ListingPage:
    # A row lock: a curator's decision and the member's edit must not interleave.
    return type(page).objects.select_for_update().get(pk=page.pk)


def save_draft(page: ListingPage, user) -> None:
    """Store a new revision; a page that was never published also keeps its row current."""
    if not page.live:
        page.save()
    page.save_revision(user=user)


@transaction.atomic
def listing_create(
    *, user, organisation: Organisation, data: dict[str, Any], children: dict[str, Rows]
) -> ListingPage:
    """Create an unpublished draft under its catalogue index, owned by the member's organisation."""
    if not is_member_of(user, organisation.pk):
        raise PermissionDenied
    kind = organisation.listing_kind
    if kind is None:
        raise ListingStateError(_("该单位类型不能发布项目。"))
    parent = lifecycle.index_model(kind).objects.select_for_update().get()
    page = lifecycle.listing_model(kind)(
        organisation=organisation, owner=user, live=False, slug=unique_slug(kind, parent)
    )
    apply_input(page, data, children)
    parent.add_child(instance=page)
    page.save_revision(user=user)
    return page


@transaction.atomic
def listing_update(
    *, user, page: ListingPage, data: dict[str, Any], children: dict[str, Rows]
) -> ListingPage:
    """Save the member's edit as a new revision; a live page stays as it is until approved."""
    page = locked(page)
    check_editable(user, page)
    draft = listing_draft(page)
    apply_input(draft, data, children)
    save_draft(draft, user)
    return draft


@transaction.atomic
def listing_submit(*, user, page: ListingPage) -> WorkflowState:
    """Send the latest revision to the curators' approval task (Wagtail moderation)."""
    page = locked(page)
    check_member(user, page)
    if page.workflow_in_progress:
        raise ListingStateError(_("该项目已在审核中。"))
    check_editable(user, page)
    if not page.organisation.is_verified:
        raise ListingStateError(_("单位尚未通过认证：可以保存草稿，认证通过后才能提交审核。"))
    if page.live and not page.has_unpublished_changes:
        raise ListingStateError(_("公开内容没有新的修改，无需提交审核。"))
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user=user)
    else:
        workflow = page.get_workflow()
        if workflow is None:
            raise ListingStateError(_("审核流程未配置，请联系平台管理员。"))
        state = workflow.start(page, user)
    # A listing never approved goes to in_review; an edit of a public one keeps its status.
    lifecycle.move(page, Transition.SUBMIT, strict=False)
    return state


@transaction.atomic
def listing_withdraw(*, user, page: ListingPage) -> ListingPage:
    """Take a listing out of review and out of the catalogue; it stays in the workspace."""
    page = locked(page)
    check_member(user, page)
    if not lifecycle.can_move(page, Transition.WITHDRAW):
        raise ListingStateError(
            _("当前状态（%(status)s）不能撤回。") % {"status": page.get_status_display()}
        )
    state = page.current_workflow_state
    if state is not None:
        state.cancel(user=user)
    previous = page.status
    if page.live:
        # Membership was checked above; members hold no Wagtail page permissions.
        # Unpublishing moves the status to withdrawn (cms/signal_handlers.py) ...
        UnpublishPageAction(page, user=user).execute(skip_permission_checks=True)
    # ... and a listing that was never live is moved here (a no-op after the above).
    lifecycle.move(page, Transition.WITHDRAW)
    audit_record(
        actor=user,
        action="listing.withdraw",
        obj=page,
        details={"kind": lifecycle.kind_of(page), "from": previous},
    )
    return page
