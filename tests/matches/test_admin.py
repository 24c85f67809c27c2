"""The curators' desk in the Wagtail admin: queue order and threshold, single and bulk decisions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.audit.models import AuditEntry
from marketplace.matches import services
from marketplace.matches.models import Match, MatchState
from tests.factories import MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def techs(published, university):
    return [
        published(TechnologyPageFactory, organisation=university, title=f"激光焊接成果{i}")
        for i in range(4)
    ]


def test_queue_shows_proposed_above_threshold_strongest_first(
    client, curator, demand, techs, settings
):
    settings.JIEBANG_MATCH_MIN_SCORE = 50
    weak = MatchFactory(demand=demand, technology=techs[0], score=40)
    strong = MatchFactory(demand=demand, technology=techs[1], score=95)
    middle = MatchFactory(demand=demand, technology=techs[2], score=70)
    manual = MatchFactory(demand=demand, technology=techs[3], score=None, source="curator")
    client.force_login(curator)
    body = client.get(reverse("matches_admin:queue")).content.decode()
    assert weak.technology.title not in body
    positions = [body.index(m.technology.title) for m in (manual, strong, middle)]
    assert positions == sorted(positions)
    assert "共同关键词" in body and demand.organisation.name in body


def test_queue_is_ordered_by_the_score_shown_not_by_day(client, curator, demand, techs):
    # Issue 12.10: one number orders the list; an older stronger proposal stays above.
    older = MatchFactory(demand=demand, technology=techs[0], score=99)
    newer = MatchFactory(demand=demand, technology=techs[1], score=61)
    Match.objects.filter(pk=older.pk).update(
        created_at=older.created_at - datetime.timedelta(days=2)
    )
    client.force_login(curator)
    body = client.get(reverse("matches_admin:queue")).content.decode()
    assert body.index(older.technology.title) < body.index(newer.technology.title)


def test_queue_hides_decided_and_unavailable_pairs(client, curator, demand, techs):
    MatchFactory(demand=demand, technology=techs[0], state="dismissed")
    MatchFactory(demand=demand, technology=techs[1], state="recommended")
    gone = MatchFactory(demand=demand, technology=techs[2])
    type(gone.technology).objects.filter(pk=gone.technology.pk).update(status="withdrawn")
    client.force_login(curator)
    body = client.get(reverse("matches_admin:queue")).content.decode()
    assert not any(t.title in body for t in techs[:3])


def test_recommend_and_dismiss_singly(client, curator, demand, techs, enterprise_member):
    a, b = (MatchFactory(demand=demand, technology=t) for t in techs[:2])
    client.force_login(curator)
    response = client.post(
        reverse("matches_admin:recommend", kwargs={"pk": a.pk}),
        {"note_demand": "请联系", "note_technology": "企业急需"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("matches_admin:dismiss", kwargs={"pk": b.pk}), {"note": "不相关"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == MatchState.RECOMMENDED and a.note_to_technology == "企业急需"
    assert b.state == MatchState.DISMISSED
    assert AuditEntry.objects.get(action="match.dismiss").note == "不相关"
    again = client.post(reverse("matches_admin:recommend", kwargs={"pk": b.pk}), {})
    assert again.status_code == 400 and "已忽略" in again.content.decode()


def test_bulk_recommend_and_dismiss_with_checkboxes(client, curator, demand, techs):
    ms = [MatchFactory(demand=demand, technology=t) for t in techs[:3]]
    client.force_login(curator)
    response = client.post(
        reverse("matches_admin:queue"),
        {
            "matches": [ms[0].pk, ms[1].pk],
            "action": "recommend",
            "note_demand": "批量推荐",
            "note_technology": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("matches_admin:queue"),
        {
            "matches": [ms[1].pk, ms[2].pk],
            "action": "dismiss",
            "note": "重复",
        },
        follow=True,
    )
    states = [Match.objects.get(pk=m.pk).state for m in ms]
    assert states == ["recommended", "recommended", "dismissed"]
    assert f"#{ms[1].pk}" in response.content.decode()  # skipped, with the reason
    assert AuditEntry.objects.filter(action="match.recommend").count() == 2
    assert AuditEntry.objects.filter(action="match.dismiss").count() == 1


def test_bulk_without_selection_is_refused(client, curator, demand, techs):
    MatchFactory(demand=demand, technology=techs[0])
    client.force_login(curator)
    response = client.post(reverse("matches_admin:queue"), {"action": "dismiss"})
    assert response.status_code == 400 and "请至少勾选" in response.content.decode()


def test_manual_proposal_form(client, curator, demand, technology):
    client.force_login(curator)
    page = client.get(reverse("matches_admin:propose")).content.decode()
    # Searchable choosers, not a select listing every listing.
    assert "选择技术需求" in page and "选择科技成果" in page and "<option" not in page
    response = client.post(
        reverse("matches_admin:propose"),
        {
            "demand": demand.pk,
            "technology": technology.pk,
            "note": "对接会推荐",
        },
    )
    match = Match.objects.get()
    assert response.status_code == 302 and match.source == "curator"
    response = client.post(
        reverse("matches_admin:propose"),
        {
            "demand": demand.pk,
            "technology": technology.pk,
        },
    )
    assert response.status_code == 400 and "已在对接推荐中" in response.content.decode()
    assert match.technology.title in client.get(reverse("matches_admin:queue")).content.decode()


def test_recommended_view_shows_both_answers_and_deal_is_recorded(
    client, curator, match, enterprise_member, research_member
):
    services.match_recommend(match=match, curator=curator)
    services.match_answer(match=match, user=enterprise_member, interested=True, note="预算已批")
    client.force_login(curator)
    body = client.get(reverse("matches_admin:recommended")).content.decode()
    assert "有意向" in body and "待答复" in body
    detail = reverse("matches_admin:detail", kwargs={"pk": match.pk})
    assert "预算已批" in client.get(detail).content.decode()
    deal = reverse("matches_admin:deal", kwargs={"pk": match.pk})
    refused = client.post(deal, {"amount": 300000, "signed_on": "2025-05-01"})
    assert refused.status_code == 400 and "双方均表示有意向后" in refused.content.decode()
    services.match_answer(match=match, user=research_member, interested=True)
    assert client.post(deal, {"amount": 300000, "signed_on": "2025-05-01"}).status_code == 302
    match.refresh_from_db()
    assert match.deal.amount == 300000 and match.stage == "deal"
    assert (match.deal.source, match.deal.buyer_id) == ("match", match.demand.organisation_id)
    assert "30万元" in client.get(reverse("matches_admin:recommended")).content.decode()
    assert (
        client.post(
            reverse("matches_admin:message", kwargs={"pk": match.pk}), {"body": "平台来电协调"}
        ).status_code
        == 302
    )
    assert "平台来电协调" in client.get(detail).content.decode()


def test_audit_entries_cannot_be_edited_from_the_ui(client, curator, match):
    services.match_dismiss(match=match, curator=curator, note="x")
    entry = AuditEntry.objects.get(action="match.dismiss")
    assert entry.actor_label and entry.object_type == "matches.match"
    client.force_login(curator)
    assert client.post(f"/admin/audit_log/edit/{entry.pk}/", {"note": "y"}).status_code == 404


def test_queue_shows_each_proposals_age_and_due_date(client, curator, demand, techs, settings):
    # Issue 12.11: queues show age and due date (JIEBANG_DUE_DAYS["match_proposal"] days).
    settings.JIEBANG_DUE_DAYS = {**settings.JIEBANG_DUE_DAYS, "match_proposal": 5}
    fresh = MatchFactory(demand=demand, technology=techs[0], score=90)
    late = MatchFactory(demand=demand, technology=techs[1], score=80)
    created = late.created_at - datetime.timedelta(days=9)
    Match.objects.filter(pk=late.pk).update(created_at=created)
    client.force_login(curator)
    body = client.get(reverse("matches_admin:queue")).content.decode()
    assert "等待时长 / 应办结时间" in body
    fresh_row = body[body.index(fresh.technology.title) : body.index(late.technology.title)]
    late_row = body[body.index(late.technology.title) :]
    assert "data-overdue" not in fresh_row
    assert "9 天前" in late_row and "data-overdue" in late_row
    due = timezone.localtime(created + datetime.timedelta(days=5))
    assert f"应办结：{due:%Y-%m-%d %H:%M}" in late_row
