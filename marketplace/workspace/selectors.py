"""Reads for a member's workspace: their organisations and each one's listings with review state."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.models import WorkflowState

from cms import lifecycle
from cms.completeness import Completeness, listing_completeness
from cms.lifecycle import Transition
from cms.models import DemandPage, TechnologyPage
from cms.permissions import can_edit_listing
from marketplace.organisations.models import Membership, Organisation


@dataclass
class ReviewState:
    """Where a listing stands in the curators' moderation workflow."""

    label: str = ""
    in_moderation: bool = False
    needs_changes: bool = False
    comment: str = ""


@dataclass
class ListingRow:
    page: DemandPage | TechnologyPage
    draft: DemandPage | TechnologyPage
    kind: str
    review: ReviewState
    completeness: Completeness
    can_edit: bool
    can_submit: bool
    can_withdraw: bool

    @property
    def review_badge(self) -> str:
        """The review state's badge, unless the status badge already says the same
        (审核中 审核中 for a new listing in review). An edit of a public listing in review
        shows both (揭榜中 · 审核中); a listing sent back shows 已退回 · 需修改."""
        if self.review.label == str(self.page.get_status_display()):
            return ""
        return self.review.label


@dataclass
class OrganisationBlock:
    organisation: Organisation
    rows: list[ListingRow] = field(default_factory=list)


def membership_list(user) -> QuerySet[Membership]:
    """All of a user's memberships, active and pending, with their organisations."""
    return Membership.objects.filter(user=user).select_related("organisation").order_by("pk")


def review_state(page) -> ReviewState:
    """Read the moderation state (and the reviewer's comment) from Wagtail's workflow."""
    state = page.current_workflow_state
    if state is None:
        return ReviewState()
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        comment = state.current_task_state.comment if state.current_task_state else ""
        return ReviewState(label=str(_("需修改")), needs_changes=True, comment=comment)
    return ReviewState(label=str(_("审核中")), in_moderation=True)


def listing_draft_of(page):
    # Built from the prefetched revision row: no query per listing for the page itself.
    if page.latest_revision is None:
        return page
    return page.with_content_json(page.latest_revision.content)


def listing_row(user, page) -> ListingRow:
    draft = listing_draft_of(page)
    review = review_state(page)
    editable = can_edit_listing(user, page) and not review.in_moderation
    return ListingRow(
        page=page,
        draft=draft,
        kind=lifecycle.kind_of(page),
        review=review,
        completeness=listing_completeness(draft),
        can_edit=editable,
        can_submit=editable and page.organisation.is_verified and page.has_unpublished_changes,
        can_withdraw=lifecycle.can_move(page, Transition.WITHDRAW),
    )


def active_workflow_states() -> Prefetch:
    # PageQuerySet.prefetch_workflow_states() matches on the base Page content type and
    # so finds nothing from a DemandPage/TechnologyPage queryset; use the specific relation.
    return Prefetch(
        "_specific_workflow_states",
        queryset=WorkflowState.objects.active().select_related("current_task_state__task"),
        to_attr="_current_workflow_states",
    )


def organisation_listings(organisation: Organisation) -> QuerySet:
    """An organisation's listings in its catalogue, newest change first."""
    if organisation.listing_kind is None:
        return DemandPage.objects.none()
    return (
        lifecycle.listing_model(organisation.listing_kind)
        .objects.filter(organisation=organisation)
        .select_related("organisation", "latest_revision")
        .prefetch_related(active_workflow_states())
        .order_by("-latest_revision_created_at", "-pk")
    )


def workspace_blocks(user, memberships) -> list[OrganisationBlock]:
    """One block per active membership, each with its listing rows."""
    blocks = []
    for membership in memberships:
        if membership.is_active:
            organisation = membership.organisation
            rows = [listing_row(user, p) for p in organisation_listings(organisation)]
            blocks.append(OrganisationBlock(organisation=organisation, rows=rows))
    return blocks
