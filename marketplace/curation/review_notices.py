"""Members hear of a curator's review decision from us, not from Wagtail.

When the curators' approval task publishes a listing (Wagtail's ``workflow_approved``) or
sends it back (``workflow_rejected``), every active member of the listing's organisation
gets an in-site notification and an e-mail that says what happened and links to the public
listing or to its editor in /workspace/ (``notification_send`` → ``site_url``).

Wagtail's own approval / rejection e-mails go to the person who submitted, with a link to
an admin page a member cannot open. Its notifiers are replaced, under Wagtail's own
``dispatch_uid``s, by subclasses that only write to people who may use the admin (curators
who submitted a page themselves); ``connect_review_notifiers`` works whichever of
``wagtail.admin`` and this app is ready first: it disconnects Wagtail's receiver if it is
there, and a later ``connect`` with the same uid is ignored by Django's signal.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.mail import (
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
)
from wagtail.models import WorkflowState
from wagtail.signals import workflow_approved, workflow_rejected

from cms import lifecycle
from marketplace.notifications.services import notification_send
from marketplace.organisations.selectors import active_members

_silenced: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "review_notice_silenced", default=False
)


@contextlib.contextmanager
def own_notice():
    """For a caller that tells members itself (需求诊断's richer notice): no second notice."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _may_use_admin(user) -> bool:
    return user.has_perm("wagtailadmin.access_admin")


class StaffOnlyApprovalNotifier(WorkflowStateApprovalEmailNotifier):
    def get_recipient_users(self, workflow_state, **kwargs):
        users = super().get_recipient_users(workflow_state, **kwargs)
        return {user for user in users if _may_use_admin(user)}


class StaffOnlyRejectionNotifier(WorkflowStateRejectionEmailNotifier):
    def get_recipient_users(self, workflow_state, **kwargs):
        users = super().get_recipient_users(workflow_state, **kwargs)
        return {user for user in users if _may_use_admin(user)}


WAGTAIL_NOTIFIERS = (
    (workflow_approved, StaffOnlyApprovalNotifier(), "workflow_state_approved_email_notification"),
    (workflow_rejected, StaffOnlyRejectionNotifier(), "workflow_state_rejected_email_notification"),
)


def connect_review_notifiers() -> None:
    """Replace Wagtail's approval / rejection e-mails; connect our own notices."""
    for signal, notifier, uid in WAGTAIL_NOTIFIERS:
        signal.disconnect(sender=WorkflowState, dispatch_uid=uid)
        signal.connect(notifier, sender=WorkflowState, dispatch_uid=uid)
    workflow_approved.connect(
        listing_approved, sender=WorkflowState, dispatch_uid="jiebang_listing_approved_notice"
    )
    workflow_rejected.connect(
        listing_returned, sender=WorkflowState, dispatch_uid="jiebang_listing_returned_notice"
    )


def _listing(workflow_state):
    page = workflow_state.content_object if workflow_state is not None else None
    page = page.specific if page is not None else None
    return page if page is not None and lifecycle.is_listing(page) else None


def _kind_label(page) -> str:
    return (
        _("技术需求") if lifecycle.kind_of(page) == lifecycle.ListingKind.DEMAND else _("科技成果")
    )


def listing_approved(sender, instance=None, user=None, **kwargs):
    """The listing passed review and is public: tell its organisation, link to the listing."""
    page = _listing(instance)
    if page is None:
        return
    page.refresh_from_db()
    notification_send(
        recipients=active_members(page.organisation_id),
        verb="listing_approved",
        title=_("您的%(kind)s“%(title)s”已审核通过并发布")
        % {"kind": _kind_label(page), "title": page.title},
        body=_("平台审核人员已通过审核，项目现已在目录中公开，可以接受揭榜。")
        if lifecycle.kind_of(page) == lifecycle.ListingKind.DEMAND
        else _("平台审核人员已通过审核，成果现已在目录中公开，可以接受揭榜。"),
        target_url=page.url or reverse("workspace:dashboard"),
    )


def listing_returned(sender, instance=None, user=None, **kwargs):
    """The curator asked for changes: tell its organisation why, link to the editor."""
    page = _listing(instance)
    if page is None or _silenced.get():
        return
    task_state = instance.current_task_state
    comment = task_state.specific.get_comment() if task_state is not None else ""
    body = _("平台审核人员退回了该项目，请按审核意见修改后重新提交审核。")
    if comment:
        body += "\n" + _("审核意见：%(comment)s") % {"comment": comment}
    notification_send(
        recipients=active_members(page.organisation_id),
        verb="listing_returned",
        title=_("您的%(kind)s“%(title)s”需要修改")
        % {"kind": _kind_label(page), "title": page.title},
        body=body,
        target_url=reverse(
            "workspace:listing_edit", kwargs={"kind": lifecycle.kind_of(page), "pk": page.pk}
        ),
    )
