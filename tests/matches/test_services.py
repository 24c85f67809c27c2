"""The match lifecycle through its services: engine proposals, curator decisions, answers, deal."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from marketplace.audit.models import AuditEntry
from marketplace.bidding.models import Bid, Deal
from marketplace.matches import services
from marketplace.matches.models import Match, MatchAnswer, MatchMessage, MatchSource, MatchState
from marketplace.notifications.models import Notification
from tests.factories import MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def audits(action, match=None):
    qs = AuditEntry.objects.filter(action=action)
    if match is not None:
        qs = qs.filter(object_type="matches.match", object_id=str(match.pk))
    return qs


# -- engine proposals ----------------------------------------------------------------


def test_engine_proposes_related_pairs_above_the_threshold(demand, technology, published):
    battery = published(
        TechnologyPageFactory,
        title="锂电池正极材料制备",
        keywords="锂电池,正极材料",
        summary="高镍三元正极材料共沉淀制备。",
    )
    result = services.matches_propose(min_score=50)
    match = Match.objects.get(demand=demand, technology=technology)
    assert match.source == MatchSource.ENGINE and match.state == MatchState.PROPOSED
    assert 50 <= match.score <= 100
    assert "焊接" in match.shared_terms and "共同关键词" in match.explanation
    assert all({"code", "label"} <= set(c) for c in match.criteria)
    assert not Match.objects.filter(technology=battery).exists()  # nothing shared
    assert result.created == Match.objects.count() >= 1
    assert audits("match.engine_run").get().details["created"] == result.created


def test_engine_run_records_each_listings_best_counterpart_for_the_gap_map(
    demand, technology, published, settings
):
    from marketplace.curation.selectors import DashboardFilter, gap_tables
    from marketplace.matches.models import ListingCoverage

    settings.JIEBANG_MATCH_MIN_SCORE = 50
    battery = published(
        TechnologyPageFactory,
        title="锂电池正极材料制备",
        keywords="锂电池,正极材料",
        summary="高镍三元正极材料共沉淀制备。",
    )
    gap = gap_tables(DashboardFilter())
    assert gap.last_run is None  # before any run every listing is "not yet scanned"
    assert sum(r.unscanned_demands for r in gap.field) == 1
    assert sum(r.uncovered_demands for r in gap.field) == 0

    services.matches_propose()
    coverage = {c.page_id: c for c in ListingCoverage.objects.all()}
    assert set(coverage) == {demand.pk, technology.pk, battery.pk}
    assert coverage[demand.pk].best_counterpart_id == technology.pk
    assert coverage[demand.pk].best_score >= 50 and coverage[demand.pk].kind == "demand"
    assert coverage[technology.pk].best_counterpart_id == demand.pk
    assert coverage[battery.pk].best_score is None  # no shared key term with any demand

    gap = gap_tables(DashboardFilter())
    assert gap.last_run is not None and gap.threshold == 50
    totals = [
        sum(getattr(r, name) for r in gap.field)
        for name in (
            "open_demands",
            "uncovered_demands",
            "unscanned_demands",
            "public_technologies",
            "unmatched_technologies",
            "unscanned_technologies",
        )
    ]
    assert totals == [1, 0, 0, 2, 1, 0]
    # The threshold is read with the figures: raising it uncovers the pair without a new run.
    settings.JIEBANG_MATCH_MIN_SCORE = 100.1
    gap = gap_tables(DashboardFilter())
    assert sum(r.uncovered_demands for r in gap.field) == 1
    assert sum(r.unmatched_technologies for r in gap.field) == 2
    # A listing published after the run waits for the next one.
    published(TechnologyPageFactory, title="新发布的成果", summary="等待下一次测算。")
    assert sum(r.unscanned_technologies for r in gap_tables(DashboardFilter()).field) == 1


def test_threshold_comes_from_settings(demand, technology, settings):
    settings.JIEBANG_MATCH_MIN_SCORE = 100.1
    result = services.matches_propose()
    assert not Match.objects.exists() and result.below_threshold >= 1
    settings.JIEBANG_MATCH_MIN_SCORE = 10
    services.matches_propose()
    assert Match.objects.filter(demand=demand, technology=technology).exists()


def test_dismissed_is_sticky_and_recommended_keeps_its_snapshot(
    demand, technology, published, university
):
    other = published(
        TechnologyPageFactory,
        organisation=university,
        title="激光焊接变形在线监测",
        keywords="激光焊接,变形控制",
        summary="激光焊接过程变形在线监测与补偿。",
    )
    dismissed = MatchFactory(demand=demand, technology=technology, state="dismissed", score=1.0)
    recommended = MatchFactory(
        demand=demand, technology=other, state="recommended", score=2.0, explanation="旧理由"
    )
    result = services.matches_propose(min_score=0)
    dismissed.refresh_from_db()
    recommended.refresh_from_db()
    assert dismissed.state == MatchState.DISMISSED and dismissed.score == 1.0
    assert recommended.explanation == "旧理由" and recommended.score == 2.0
    assert result.skipped_dismissed == 1 and result.skipped_decided == 1


def test_stored_as_it_goes_each_pair_once_with_its_best_score(
    demand, technology, published, monkeypatch
):
    published(
        TechnologyPageFactory,
        title="激光焊接变形控制工艺",
        keywords="激光焊接,变形控制",
        summary="薄板激光焊接的变形预测与控制。",
    )
    whole = services.matches_propose(min_score=0)
    at_end = {(m.demand_id, m.technology_id): m.score for m in Match.objects.all()}
    Match.objects.all().delete()
    # Stored after every listing: a pair met again from the other side is not counted again.
    monkeypatch.setattr(services, "FLUSH_EVERY", 1)
    flushed = services.matches_propose(min_score=0)
    assert {(m.demand_id, m.technology_id): m.score for m in Match.objects.all()} == at_end
    assert flushed.created == whole.created == len(at_end) >= 2
    assert flushed.updated == 0 and flushed.below_threshold == whole.below_threshold


def test_engine_refreshes_a_proposed_match(demand, technology):
    stale = MatchFactory(demand=demand, technology=technology, score=1.0, explanation="旧")
    services.matches_propose(min_score=0)
    stale.refresh_from_db()
    assert stale.score > 1.0 and stale.explanation != "旧" and stale.state == MatchState.PROPOSED


def test_propose_matches_command(demand, technology, capsys):
    call_command("propose_matches", "--min-score", "0", "--no-progress")
    assert '"created": 1' in capsys.readouterr().out
    assert Match.objects.filter(demand=demand, technology=technology).exists()


# -- curator decisions ----------------------------------------------------------------


def test_recommend_notifies_both_organisations_with_their_own_note(
    match, curator, enterprise_member, research_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.match_recommend(
            match=match,
            curator=curator,
            note_demand="致企业：请关注焊接工艺",
            note_technology="致高校：企业急需",
        )
    match.refresh_from_db()
    assert match.state == MatchState.RECOMMENDED and match.decided_by == curator
    to_ent = Notification.objects.get(recipient=enterprise_member, verb="match_recommended")
    to_res = Notification.objects.get(recipient=research_member, verb="match_recommended")
    assert to_ent.body.startswith("致企业：请关注焊接工艺") and "致高校" not in to_ent.body
    assert to_res.body.startswith("致高校：企业急需")
    # Issue 12.10: the notice (and its e-mail) says why, in words.
    for body in (to_ent.body, to_res.body, *(m.body for m in mail.outbox)):
        assert "推荐理由" in body and "共同关键词：激光焊接、变形控制" in body
        assert "技术领域一致" in body
    assert to_ent.target_url == f"/matches/{match.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == ["ent@example.com", "res@example.com"]
    entry = audits("match.recommend", match).get()
    assert entry.actor == curator and entry.details["note_to_technology"] == "致高校：企业急需"


def test_only_curators_decide(match, enterprise_member):
    for call in (
        lambda: services.match_recommend(match=match, curator=enterprise_member),
        lambda: services.match_dismiss(match=match, curator=enterprise_member),
        lambda: services.matches_recommend_bulk(matches=[match], curator=enterprise_member),
        lambda: services.match_propose_manual(
            demand=match.demand, technology=match.technology, curator=enterprise_member
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    match.refresh_from_db()
    assert match.state == MatchState.PROPOSED and not AuditEntry.objects.exists()


def test_a_decided_match_cannot_be_decided_again(match, curator):
    services.match_dismiss(match=match, curator=curator, note="方向不符")
    with pytest.raises(services.MatchError):
        services.match_recommend(match=match, curator=curator)
    assert audits("match.dismiss", match).get().note == "方向不符"
    assert not audits("match.recommend").exists()


def test_recommend_refuses_a_closed_demand(match, curator):
    type(match.demand).objects.filter(pk=match.demand.pk).update(status="closed")
    with pytest.raises(services.MatchError):
        services.match_recommend(match=match, curator=curator)


def test_bulk_actions_skip_what_they_cannot_apply(
    demand, technology, published, university, curator
):
    techs = [
        published(TechnologyPageFactory, organisation=university, title=f"激光焊接成果{i}")
        for i in range(2)
    ]
    first, second = (MatchFactory(demand=demand, technology=t) for t in techs)
    done = MatchFactory(demand=demand, technology=technology, state="dismissed")
    result = services.matches_recommend_bulk(
        matches=[first.pk, second, done.pk, 99999], curator=curator, note_demand="批量"
    )
    assert [m.pk for m in result.done] == [first.pk, second.pk]
    assert {pk for pk, _reason in result.skipped} == {done.pk, 99999}
    assert audits("match.recommend").count() == 2
    first.refresh_from_db()
    assert first.state == MatchState.RECOMMENDED and first.note_to_demand == "批量"


def test_bulk_dismiss(match, curator):
    result = services.matches_dismiss_bulk(matches=[match.pk], curator=curator, note="重复")
    assert len(result.done) == 1
    assert audits("match.dismiss", match).get().note == "重复"


def test_manual_proposal_joins_the_queue_and_reopens_dismissed_pairs(demand, technology, curator):
    match = services.match_propose_manual(
        demand=demand, technology=technology, curator=curator, note="对接会上双方提过"
    )
    assert match.source == MatchSource.CURATOR and match.score is None
    assert match.proposed_by == curator and "焊接" in match.shared_terms
    assert audits("match.propose", match).get().note == "对接会上双方提过"
    with pytest.raises(services.MatchError):
        services.match_propose_manual(demand=demand, technology=technology, curator=curator)
    services.match_dismiss(match=match, curator=curator)
    again = services.match_propose_manual(demand=demand, technology=technology, curator=curator)
    assert again.pk == match.pk and again.state == MatchState.PROPOSED
    assert audits("match.reopen", match).exists()


def test_manual_proposal_refuses_one_organisation_on_both_sides(demand, published, curator):
    own = published(TechnologyPageFactory, organisation=demand.organisation, title="本单位成果")
    with pytest.raises(services.MatchError):
        services.match_propose_manual(demand=demand, technology=own, curator=curator)


# -- answers, conversation, deal ---------------------------------------------------------


@pytest.fixture
def recommended(match, curator):
    return services.match_recommend(
        match=match, curator=curator, note_demand="a", note_technology="b"
    )


def test_only_active_members_of_a_side_answer(
    recommended, outsider, curator, match, enterprise_member
):
    for user in (outsider, curator):
        with pytest.raises(PermissionDenied):
            services.match_answer(match=recommended, user=user, interested=True)
    with pytest.raises(PermissionDenied):
        services.match_answer(
            match=recommended, user=enterprise_member, interested=True, side="technology"
        )


def test_proposed_or_dismissed_matches_cannot_be_answered(match, enterprise_member, curator):
    with pytest.raises(PermissionDenied):
        services.match_answer(match=match, user=enterprise_member, interested=True)
    services.match_dismiss(match=match, curator=curator)
    with pytest.raises(PermissionDenied):
        services.match_answer(match=match, user=enterprise_member, interested=True)


def test_answers_can_change_until_mutual_interest(
    recommended, enterprise_member, research_member, curator
):
    m = services.match_answer(
        match=recommended, user=enterprise_member, interested=False, note="预算不足"
    )
    assert m.demand_answer == MatchAnswer.NOT_INTERESTED and m.demand_answer_note == "预算不足"
    assert m.demand_answered_by == enterprise_member and m.demand_answered_at
    assert not m.is_conversation_open
    assert Notification.objects.filter(recipient=curator, verb="match_answered").exists()
    m = services.match_answer(match=recommended, user=enterprise_member, interested=True)
    m = services.match_answer(match=recommended, user=research_member, interested=True)
    assert m.is_conversation_open and m.stage == "interested"
    assert Notification.objects.filter(verb="match_mutual").count() == 2
    with pytest.raises(services.MatchError):
        services.match_answer(match=recommended, user=research_member, interested=False)


def test_mutual_interest_opens_the_conversation(
    recommended, enterprise_member, research_member, second_enterprise_member, outsider, curator
):
    with pytest.raises(PermissionDenied):
        services.match_message_post(match=recommended, user=enterprise_member, body="你好")
    services.match_answer(match=recommended, user=second_enterprise_member, interested=True)
    services.match_answer(match=recommended, user=research_member, interested=True)
    msg = services.match_message_post(
        match=recommended, user=enterprise_member, body="约个时间面谈？"
    )
    assert msg.author_side == "demand"
    note = Notification.objects.get(verb="match_message")
    assert note.recipient == research_member
    with pytest.raises(PermissionDenied):
        services.match_message_post(match=recommended, user=outsider, body="插话")
    services.match_message_post(match=recommended, user=curator, body="平台可协助组织对接会")
    assert MatchMessage.objects.filter(author_side="").count() == 1
    assert audits("match.message", recommended).exists()


def test_deal_needs_mutual_interest_and_links_the_bid_deal(
    recommended, enterprise_member, research_member, curator, university
):
    day = datetime.date(2025, 6, 1)
    with pytest.raises(services.MatchError):
        services.match_record_deal(
            match=recommended, curator=curator, amount=500_000, signed_on=day
        )
    services.match_answer(match=recommended, user=enterprise_member, interested=True)
    services.match_answer(match=recommended, user=research_member, interested=True)
    with pytest.raises(PermissionDenied):
        services.match_record_deal(
            match=recommended, curator=enterprise_member, amount=1, signed_on=day
        )
    bid = Bid.objects.create(
        kind="demand", demand=recommended.demand, organisation=university, status="awarded"
    )
    bid_deal = Deal.objects.create(
        bid=bid,
        demand=recommended.demand,
        buyer_id=recommended.demand.organisation_id,
        seller=university,
        amount=480_000,
        awarded_on=day,
    )
    m = services.match_record_deal(
        match=recommended, curator=curator, amount=500_000, signed_on=day, note="技术开发合同"
    )
    # The pair went through a bid: the match completes the bid's ledger row, no second row.
    bid_deal.refresh_from_db()
    assert m.deal == bid_deal and Deal.objects.count() == 1
    assert (bid_deal.amount, bid_deal.signed_on, bid_deal.status) == (500_000, day, "signed")
    assert m.stage == "deal"
    entry = audits("match.deal", m).get()
    assert entry.details["amount"] == 500_000
    assert entry.details["previous"]["amount"] == 480_000
    services.match_record_deal(match=recommended, curator=curator, amount=520_000, signed_on=day)
    assert audits("match.deal", m).first().details["previous"]["amount"] == 500_000


def test_answering_races_are_serialised_by_the_row_lock(
    recommended, enterprise_member, research_member
):
    # On SQLite the lock is a no-op; the invariant checked is that state is re-read under it.
    stale = Match.objects.get(pk=recommended.pk)
    services.match_answer(match=recommended, user=enterprise_member, interested=True)
    m = services.match_answer(match=stale, user=research_member, interested=True)
    assert m.is_conversation_open and m.demand_answer == MatchAnswer.INTERESTED


def test_member_of_both_sides_must_name_the_side(recommended, enterprise_member, university):
    from tests.factories import MembershipFactory

    MembershipFactory(organisation=university, user=enterprise_member)
    with pytest.raises(services.MatchError):
        services.match_answer(match=recommended, user=enterprise_member, interested=True)
    m = services.match_answer(
        match=recommended, user=enterprise_member, interested=True, side="technology"
    )
    assert m.technology_answer == MatchAnswer.INTERESTED and m.demand_answer == MatchAnswer.PENDING
