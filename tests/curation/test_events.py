"""供需对接会: planning from the gap, invitations, answers and meeting records."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cms.models import DemandPage
from cms.taxonomy import IndustryChain, TechnologyField
from marketplace.audit.models import AuditEntry
from marketplace.curation import events
from marketplace.curation.models import (
    EventInvitation,
    EventMeeting,
    MatchmakingEvent,
)
from marketplace.matches.models import ListingCoverage
from marketplace.notifications.models import Notification

from ..factories import DemandPageFactory, MembershipFactory, TechnologyPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(enterprise, university):
    """One chain with a well-supplied and a thinly-supplied demand, plus unmatched supply."""
    chain, other_chain = IndustryChain.objects.order_by("pk")[:2]
    covered, thin, orphan = TechnologyField.objects.order_by("pk")[:3]
    data = {
        "chain": chain,
        "covered_demand": DemandPageFactory(
            organisation=enterprise,
            title="有成果覆盖的需求",
            industry_chain=chain,
            technology_field=covered,
        ),
        "thin_demand": DemandPageFactory(
            organisation=enterprise,
            title="缺少成果的需求",
            industry_chain=chain,
            technology_field=thin,
        ),
        "other_demand": DemandPageFactory(
            title="别的产业链的需求", industry_chain=other_chain, technology_field=covered
        ),
        "matched_tech": TechnologyPageFactory(
            title="已有需求的成果", industry_chain=chain, technology_field=covered
        ),
        "orphan_tech": TechnologyPageFactory(
            organisation=university,
            title="没有需求的成果",
            industry_chain=chain,
            technology_field=orphan,
        ),
    }
    second = TechnologyPageFactory(
        title="第二项覆盖成果", industry_chain=chain, technology_field=covered
    )
    # What the engine's last run found (propose_matches; its writes are tested in matches).
    for page, score in (
        (data["covered_demand"], 88.0),
        (data["thin_demand"], 31.5),  # a weak best match: below the threshold
        (data["other_demand"], None),
        (data["matched_tech"], 88.0),
        (data["orphan_tech"], None),  # nothing sharing a key term
        (second, 70.0),
    ):
        ListingCoverage.objects.create(
            page=page,
            kind="demand" if isinstance(page, DemandPage) else "technology",
            best_score=score,
            scanned_at=timezone.now(),
        )
    data["unscanned_demand"] = DemandPageFactory(
        organisation=enterprise,
        title="刚发布待测算的需求",
        industry_chain=chain,
        technology_field=covered,
    )
    return data


@pytest.fixture
def event(curator, market):
    return events.event_create(
        curator=curator,
        title="智能制造供需对接会",
        date=timezone.localdate(),
        place="济南市科技局",
        industry_chain=market["chain"],
        demands=[market["thin_demand"]],
        technologies=[market["orphan_tech"]],
    )


def test_gap_suggestions_follow_the_engines_coverage(market, settings):
    settings.JIEBANG_MATCH_MIN_SCORE = 60
    gap = events.gap_suggestions(industry_chain=market["chain"])
    titles = [d.title for d in gap.demands]
    # Uncovered first, then not yet scanned, then covered; other chains left out.
    assert titles == ["缺少成果的需求", "刚发布待测算的需求", "有成果覆盖的需求"]
    assert gap.cover[market["thin_demand"].pk] == 31.5
    technologies = [t.title for t in gap.technologies]
    assert technologies == ["没有需求的成果"]
    # Without a chosen chain, the chain with the most uncovered demands is picked.
    assert events.gap_suggestions().industry_chain == market["chain"]
    # A lower threshold covers the thin demand.
    settings.JIEBANG_MATCH_MIN_SCORE = 30
    titles = [d.title for d in events.gap_suggestions(industry_chain=market["chain"]).demands]
    assert titles[0] == "刚发布待测算的需求"


def test_curator_creates_event_from_suggestions(client, curator, market):
    client.force_login(curator)
    url = reverse("curation_events:create")
    page = client.get(url, {"suggest-industry_chain": market["chain"].pk}).content.decode()
    assert "缺少成果的需求" in page and "没有需求的成果" in page
    assert "别的产业链的需求" not in page
    response = client.post(
        f"{url}?industry_chain={market['chain'].pk}",
        {
            "title": "智能制造专场",
            "date": "2031-05-20",
            "place": "齐鲁科创大走廊",
            "industry_chain": market["chain"].pk,
            "demands": [market["thin_demand"].pk],
            "technologies": [market["orphan_tech"].pk],
        },
    )
    event = MatchmakingEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("curation_events:detail", args=[event.pk])
    assert event.organiser == curator and event.state == "planned"
    assert list(event.demands.all()) == [market["thin_demand"]]
    assert list(event.technologies.all()) == [market["orphan_tech"]]
    assert AuditEntry.objects.filter(action="event.create", object_id=str(event.pk)).exists()
    detail = client.get(response["Location"]).content.decode()
    assert "缺少成果的需求" in detail and "邀请项目单位" in detail


def test_unpublished_listing_cannot_be_picked(curator, enterprise):
    draft = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    with pytest.raises(events.EventError):
        events.event_create(
            curator=curator, title="x", date=timezone.localdate(), place="y", demands=[draft]
        )
    assert not MatchmakingEvent.objects.exists()


def test_invite_notifies_active_members_of_owning_organisations(
    client, curator, event, enterprise, university, enterprise_member, research_member, outsider
):
    client.force_login(curator)
    response = client.post(reverse("curation_events:invite", args=[event.pk]))
    assert response.status_code == 302
    invitations = EventInvitation.objects.filter(event=event)
    assert {i.organisation for i in invitations} == {enterprise, university}
    assert all(i.status == "invited" for i in invitations)
    for member in (enterprise_member, research_member):
        notice = Notification.objects.get(recipient=member)
        assert notice.verb == "event_invited" and "智能制造供需对接会" in notice.title
        assert notice.target_url == "/workspace/events/"
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert AuditEntry.objects.filter(action="event.invite").exists()
    # Inviting again adds nobody and notifies nobody twice.
    client.post(reverse("curation_events:invite", args=[event.pk]))
    assert invitations.count() == 2 and Notification.objects.count() == 2


def test_invited_members_accept_and_decline(
    client, curator, event, enterprise, university, enterprise_member, research_member, outsider
):
    events.event_invite(curator=curator, event=event)
    ours = EventInvitation.objects.get(organisation=enterprise)
    theirs = EventInvitation.objects.get(organisation=university)

    client.force_login(enterprise_member)
    page = client.get(reverse("events:list")).content.decode()
    assert "智能制造供需对接会" in page and reverse("events:respond", args=[ours.pk]) in page
    assert reverse("events:respond", args=[theirs.pk]) not in page
    # A member of another organisation cannot answer for it.
    response = client.post(reverse("events:respond", args=[theirs.pk]), {"answer": "accept"})
    assert response.status_code == 404
    client.post(reverse("events:respond", args=[ours.pk]), {"answer": "accept"})
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.status == "accepted" and ours.responded_by == enterprise_member
    assert theirs.status == "invited"
    assert Notification.objects.filter(recipient=curator, verb="event_answered").exists()

    client.force_login(research_member)
    client.post(reverse("events:respond", args=[theirs.pk]), {"answer": "decline"})
    theirs.refresh_from_db()
    assert theirs.status == "declined"

    client.force_login(outsider)
    assert "智能制造供需对接会" not in client.get(reverse("events:list")).content.decode()
    with pytest.raises(PermissionDenied):
        events.invitation_respond(user=outsider, invitation=ours, accept=False)
    ours.refresh_from_db()
    assert ours.status == "accepted"


def test_answers_close_once_the_event_is_held(curator, event, enterprise, enterprise_member):
    events.event_invite(curator=curator, event=event)
    invitation = EventInvitation.objects.get(organisation=enterprise)
    events.event_set_state(curator=curator, event=event, state="held")
    with pytest.raises(events.EventError):
        events.invitation_respond(user=enterprise_member, invitation=invitation, accept=True)


def test_curator_records_meetings_and_outcomes(client, curator, event, market):
    client.force_login(curator)
    url = reverse("curation_events:meeting", args=[event.pk])
    client.post(
        url,
        {
            "demand": market["thin_demand"].pk,
            "technology": market["orphan_tech"].pk,
            "outcome": "双方约定下月实地考察",
            "follow_up": "talks",
            "follow_up_owner": curator.pk,
            "follow_up_due": "2031-01-15",
        },
    )
    meeting = EventMeeting.objects.get()
    assert meeting.follow_up == "talks" and meeting.recorded_by == curator
    event.refresh_from_db()
    assert event.state == "held"
    # The same pair again updates the record instead of duplicating it.
    client.post(
        url,
        {
            "demand": market["thin_demand"].pk,
            "technology": market["orphan_tech"].pk,
            "outcome": "已提交揭榜方案",
            "follow_up": "bid",
            "follow_up_owner": curator.pk,
            "follow_up_due": "2031-02-01",
        },
    )
    meeting = EventMeeting.objects.get()
    assert meeting.follow_up == "bid" and meeting.outcome == "已提交揭榜方案"
    # A listing that was not at the event cannot be recorded.
    client.post(
        url,
        {
            "demand": market["covered_demand"].pk,
            "technology": market["orphan_tech"].pk,
            "follow_up": "none",
        },
    )
    assert EventMeeting.objects.count() == 1
    assert AuditEntry.objects.filter(action="event.meeting").count() == 2
    body = client.get(reverse("curation_events:detail", args=[event.pk])).content.decode()
    assert "已提交揭榜方案" in body


def test_future_event_cannot_get_meeting_records(curator, market):
    future = events.event_create(
        curator=curator,
        title="下月对接会",
        place="高新区",
        date=timezone.localdate() + datetime.timedelta(days=30),
        demands=[market["thin_demand"]],
        technologies=[market["orphan_tech"]],
    )
    with pytest.raises(events.EventError):
        events.meeting_record(
            curator=curator,
            event=future,
            demand=market["thin_demand"],
            technology=market["orphan_tech"],
        )


def test_closed_event_is_frozen(curator, event, market):
    events.event_set_state(curator=curator, event=event, state="closed")
    with pytest.raises(events.EventError):
        events.meeting_record(
            curator=curator,
            event=event,
            demand=market["thin_demand"],
            technology=market["orphan_tech"],
        )
    with pytest.raises(events.EventError):
        events.event_set_state(curator=curator, event=event, state="planned")


def test_only_curators_reach_the_event_desk(client, event, enterprise_member, market):
    client.force_login(enterprise_member)
    for url in (
        reverse("curation_events:list"),
        reverse("curation_events:create"),
        reverse("curation_events:detail", args=[event.pk]),
    ):
        assert client.get(url).status_code in (302, 403)
    response = client.post(reverse("curation_events:invite", args=[event.pk]))
    assert response.status_code in (302, 403)
    assert not EventInvitation.objects.exists()
    for call in (
        lambda: events.event_invite(curator=enterprise_member, event=event),
        lambda: events.event_set_state(curator=enterprise_member, event=event, state="held"),
        lambda: events.meeting_record(
            curator=enterprise_member,
            event=event,
            demand=market["thin_demand"],
            technology=market["orphan_tech"],
        ),
        lambda: events.event_create(
            curator=enterprise_member, title="x", date=timezone.localdate(), place="y"
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    event.refresh_from_db()
    assert event.state == "planned" and not EventMeeting.objects.exists()


def test_staff_without_curator_group_gets_403(client, event):
    # Wagtail admin access without the curators' group: the desk still refuses.
    user = UserFactory(email="editor@example.com", is_superuser=False)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("curation_events:list")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("events:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_member_without_invitations_sees_empty_page(client):
    member = MembershipFactory().user
    client.force_login(member)
    assert "本单位目前没有对接会邀请" in client.get(reverse("events:list")).content.decode()
