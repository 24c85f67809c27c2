"""Issue 12.14: the new-event search keeps what was typed, meeting pickers name the
organisation, follow-ups have an owner, a due date, a reminder and a row in the overdue table."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from marketplace.audit.models import AuditEntry
from marketplace.curation import events
from marketplace.curation.models import EventMeeting, MatchmakingEvent
from marketplace.curation.reminders import overdue_reminders_send
from marketplace.curation.selectors import DashboardFilter
from marketplace.notifications.models import Notification
from tests.factories import DemandPageFactory, OrganisationFactory, UserFactory

from . import test_events

pytestmark = pytest.mark.django_db

# The events tests' fixtures: a market with gap suggestions and an event on it.
market = test_events.market
event = test_events.event


@pytest.fixture
def owner(db):
    user = UserFactory(email="follow-up-owner@example.com", display_name="跟进审核员")
    user.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    return user


def _checked(html: str, name: str, pk: int) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*value="{pk}"[^>]*>', html)
    return bool(tag) and "checked" in tag.group(0)


def _field_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    found = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return found.group(1) if found else ""


# -- the new-event form keeps its values --------------------------------------------


def test_search_round_trip_keeps_typed_values_and_ticks(client, curator, market):
    client.force_login(curator)
    url = reverse("curation_events:create")
    typed = {
        "title": "智能制造专场",
        "date": "2031-05-20",
        "place": "齐鲁科创大走廊",
        "description": "先到先得",
        "industry_chain": market["chain"].pk,
        "demands": [market["thin_demand"].pk],
        "technologies": [market["orphan_tech"].pk],
    }
    # 更新建议 with a name search: nothing is saved, nothing is lost, no errors shown.
    response = client.post(
        url, {**typed, "suggest": "1", "suggest-q": "别的产业链", "suggest-industry_chain": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200 and not MatchmakingEvent.objects.exists()
    assert _field_value(html, "title") == "智能制造专场"
    assert _field_value(html, "date") == "2031-05-20"
    assert _field_value(html, "place") == "齐鲁科创大走廊" and "先到先得" in html
    assert _field_value(html, "suggest-q") == "别的产业链"
    assert "别的产业链的需求" in html  # the search hit is offered
    assert _checked(html, "demands", market["thin_demand"].pk)
    assert _checked(html, "technologies", market["orphan_tech"].pk)
    assert "error-message" not in html and "errorlist" not in html
    # Tick the search hit, search for something else: the hit stays shown and ticked.
    other = market["other_demand"].pk
    response = client.post(
        url,
        {
            **typed,
            "demands": [market["thin_demand"].pk, other],
            "suggest": "1",
            "suggest-q": "无此项目",
        },
    )
    html = response.content.decode()
    assert _checked(html, "demands", other) and _checked(html, "demands", market["thin_demand"].pk)
    # 保存 saves what was on the page.
    response = client.post(url, {**typed, "demands": [market["thin_demand"].pk, other]})
    event = MatchmakingEvent.objects.get()
    assert response.status_code == 302 and event.title == "智能制造专场"
    assert set(event.demands.values_list("pk", flat=True)) == {market["thin_demand"].pk, other}


def test_failed_save_keeps_ticked_search_hits(client, curator, market):
    client.force_login(curator)
    other = market["other_demand"].pk  # not among the chain's suggestions
    response = client.post(
        reverse("curation_events:create"),
        {"title": "", "date": "2031-05-20", "place": "高新区", "demands": [other]},
    )
    html = response.content.decode()
    assert response.status_code == 200 and not MatchmakingEvent.objects.exists()
    assert _checked(html, "demands", other) and _field_value(html, "place") == "高新区"


# -- the meeting picker names organisation and date --------------------------------


def test_meeting_picker_labels_identical_titles_with_organisation_and_date(client, curator):
    first = DemandPageFactory(title="同名需求", organisation=OrganisationFactory(name="甲公司"))
    second = DemandPageFactory(title="同名需求", organisation=OrganisationFactory(name="乙公司"))
    event = events.event_create(
        curator=curator,
        title="会",
        date=timezone.localdate(),
        place="济南",
        demands=[first, second],
    )
    client.force_login(curator)
    html = client.get(reverse("curation_events:detail", args=[event.pk])).content.decode()
    select = html.split('name="demand"', 1)[1].split("</select>", 1)[0]
    for page, org in ((first, "甲公司"), (second, "乙公司")):
        date = timezone.localtime(page.first_published_at).strftime("%Y-%m-%d")
        assert re.search(rf'value="{page.pk}"[^>]*>\s*同名需求 · {org} · {date} 发布', select)


# -- follow-ups: owner, due date, done ----------------------------------------------


def _meeting_post(market, **extra):
    return {
        "demand": market["thin_demand"].pk,
        "technology": market["orphan_tech"].pk,
        "outcome": "约定实地考察",
        **extra,
    }


def test_follow_up_needs_an_owner_and_a_due_date(client, curator, event, market):
    client.force_login(curator)
    url = reverse("curation_events:meeting", args=[event.pk])
    response = client.post(url, _meeting_post(market, follow_up="talks"))
    html = response.content.decode()
    assert response.status_code == 200 and not EventMeeting.objects.exists()
    assert "请指定一位负责跟进的审核人员" in html and "请填写跟进截止日期" in html
    assert "约定实地考察" in html  # what was typed comes back
    # The owner must be a curator (the form offers only curators; the service checks too).
    member = UserFactory()
    response = client.post(
        url,
        _meeting_post(
            market, follow_up="talks", follow_up_owner=member.pk, follow_up_due="2031-01-01"
        ),
    )
    assert response.status_code == 200 and not EventMeeting.objects.exists()
    with pytest.raises(events.EventError):
        events.meeting_record(
            curator=curator,
            event=event,
            demand=market["thin_demand"],
            technology=market["orphan_tech"],
            follow_up="talks",
            follow_up_owner=member,
            follow_up_due=dt.date(2031, 1, 1),
        )
    # No follow-up needs neither; an owner given anyway is not kept.
    client.post(url, _meeting_post(market, follow_up="none", follow_up_owner=curator.pk))
    meeting = EventMeeting.objects.get()
    assert meeting.follow_up_owner is None and meeting.follow_up_due is None


def _record(curator, event, market, owner, due):
    return events.meeting_record(
        curator=curator,
        event=event,
        demand=market["thin_demand"],
        technology=market["orphan_tech"],
        follow_up="talks",
        follow_up_owner=owner,
        follow_up_due=due,
    )


def _reminders(owner):
    return Notification.objects.filter(recipient=owner, verb="overdue")


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def test_owner_is_reminded_once_per_due_date(curator, event, market, owner):
    due = dt.date(2031, 3, 10)
    meeting = _record(curator, event, market, owner, due)
    overdue_reminders_send(now=_at(due - dt.timedelta(days=1)))
    assert not _reminders(owner).exists()  # not due yet
    overdue_reminders_send(now=_at(due))
    notice = _reminders(owner).get()
    assert market["thin_demand"].title in notice.title and "2031-03-10" in notice.body
    assert notice.target_url.startswith(reverse("curation_events:detail", args=[event.pk]))
    assert not Notification.objects.filter(recipient=curator, verb="overdue").exists()
    overdue_reminders_send(now=_at(due + dt.timedelta(days=3)))  # overdue: still only once
    assert _reminders(owner).count() == 1
    # A new due date is reminded once more when it comes.
    later = due + dt.timedelta(days=14)
    _record(curator, event, market, owner, later)
    overdue_reminders_send(now=_at(later))
    overdue_reminders_send(now=_at(later))
    assert _reminders(owner).count() == 2
    # Done: never again.
    events.meeting_follow_up_done(curator=curator, meeting=meeting)
    EventMeeting.objects.filter(pk=meeting.pk).update(follow_up_due=later + dt.timedelta(days=1))
    overdue_reminders_send(now=_at(later + dt.timedelta(days=5)))
    assert _reminders(owner).count() == 2


def test_follow_ups_appear_in_the_overdue_table_until_done(client, curator, event, market, owner):
    today = timezone.localdate()
    meeting = _record(curator, event, market, owner, today - dt.timedelta(days=2))
    items = events.pending_follow_ups(DashboardFilter())
    assert len(items) == 1 and items[0].is_overdue and items[0].overdue_days >= 1
    assert items[0].url.startswith(reverse("curation_events:detail", args=[event.pk]))
    assert "跟进审核员" in items[0].detail and items[0].organisation == event.title
    client.force_login(curator)
    page = client.get("/admin/curation/dashboard/overdue/").content.decode()
    table = page.split('data-table="overdue_follow_ups"', 1)[1].split("</table>", 1)[0]
    assert market["thin_demand"].title in table and "跟进审核员" in table
    # The event page flags it and offers 标记后续完成.
    detail = client.get(reverse("curation_events:detail", args=[event.pk])).content.decode()
    assert "已逾期" in detail and "标记后续完成" in detail
    done = reverse("curation_events:follow_up_done", args=[event.pk, meeting.pk])
    assert client.post(done).status_code == 302
    meeting.refresh_from_db()
    assert meeting.follow_up_done_at is not None
    assert AuditEntry.objects.filter(action="event.follow_up_done").count() == 1
    assert events.pending_follow_ups(DashboardFilter()) == []
    # Twice is refused with a message, and nothing changes.
    response = client.post(done, follow=True)
    assert "没有待办的后续事项" in response.content.decode()
    assert AuditEntry.objects.filter(action="event.follow_up_done").count() == 1


def test_follow_up_done_checks_the_event_and_the_user(
    client,
    curator,
    event,
    market,
    owner,
    enterprise_member,
):
    meeting = _record(curator, event, market, owner, timezone.localdate())
    other = events.event_create(
        curator=curator, title="另一场", date=timezone.localdate(), place="x"
    )
    client.force_login(curator)
    wrong = reverse("curation_events:follow_up_done", args=[other.pk, meeting.pk])
    assert client.post(wrong).status_code == 404
    client.force_login(enterprise_member)
    client.post(reverse("curation_events:follow_up_done", args=[event.pk, meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.follow_up_done_at is None
