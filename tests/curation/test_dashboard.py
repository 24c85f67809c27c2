"""The market dashboard: figures on a small fixture set, filters, exports, access, no CDN."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page, WorkflowState

from cms.models import DemandPage
from cms.taxonomy import IndustryChain, TechnologyField
from marketplace.audit.models import AuditEntry
from marketplace.bidding.models import Bid, Deal
from marketplace.curation.dashboard import Figures, table_export
from marketplace.curation.selectors import (
    DashboardFilter,
    bid_funnel,
    bid_stats,
    gap_tables,
    listing_state_counts,
    pending_bid_decisions,
    pending_reviews,
)
from marketplace.matches.models import ListingCoverage
from marketplace.organisations.models import Organisation
from tests.factories import DemandPageFactory, OrganisationFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/curation/dashboard/"
LICHENG, LIXIA = "370112", "370102"


def _at(year, month, day, hour=9):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def _published(page, when):
    Page.objects.filter(pk=page.pk).update(first_published_at=when)
    page.refresh_from_db()
    return page


@pytest.fixture
def market(db):
    """Three public demands, one draft, two technologies, three bids and one signed deal."""
    chain_a = IndustryChain.objects.get(slug="intelligent-manufacturing")
    chain_b = IndustryChain.objects.get(slug="biomedicine")
    field_1 = TechnologyField.objects.get(slug="advanced-manufacturing")
    field_2 = TechnologyField.objects.get(slug="biomedicine")
    demand = dict(industry_chain=chain_a, technology_field=field_1, district=LICHENG)
    d1 = _published(DemandPageFactory(**demand), _at(2025, 3, 10))
    d2 = _published(
        DemandPageFactory(industry_chain=chain_b, technology_field=field_2, district=LIXIA),
        _at(2025, 6, 10),
    )
    d3 = _published(DemandPageFactory(status="closed", **demand), _at(2024, 12, 1))
    DemandPageFactory(status="draft", live=False, **demand)
    t1 = _published(
        TechnologyPageFactory(industry_chain=chain_a, technology_field=field_1, district=LIXIA),
        _at(2025, 4, 1),
    )
    _published(
        TechnologyPageFactory(industry_chain=chain_a, technology_field=field_2, district=LIXIA),
        _at(2025, 5, 1),
    )
    univ = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, name="济南测试大学")
    inst = OrganisationFactory(kind=Organisation.Kind.INSTITUTE, name="山东测试研究院")
    won = Bid.objects.create(
        kind="demand",
        demand=d1,
        organisation=univ,
        status="awarded",
        submitted_at=d1.first_published_at + dt.timedelta(hours=24),
        decided_at=_at(2025, 4, 20),
    )
    Bid.objects.create(
        kind="demand",
        demand=d1,
        organisation=inst,
        status="declined",
        decline_reason="price",
        submitted_at=d1.first_published_at + dt.timedelta(hours=48),
    )
    Bid.objects.create(
        kind="demand",
        demand=d3,
        organisation=univ,
        status="submitted",
        submitted_at=d3.first_published_at + dt.timedelta(hours=10),
    )
    Bid.objects.create(kind="demand", demand=d2, organisation=inst, status="draft")
    Deal.objects.create(
        bid=won,
        demand=d1,
        buyer=d1.organisation,
        seller=univ,
        amount=800_000,
        awarded_on=dt.date(2025, 4, 20),
        status="signed",
    )
    return {"d1": d1, "d2": d2, "d3": d3, "t1": t1, "chain_a": chain_a, "chain_b": chain_b}


def _state(counts, kind, value):
    return next(n for v, _label, n in counts[kind] if v == value)


def test_listing_counts_by_state_chain_and_district(market):
    counts = listing_state_counts(DashboardFilter())
    assert _state(counts, "demand", "open") == 2
    assert _state(counts, "demand", "closed") == 1
    assert _state(counts, "demand", "draft") == 1
    assert _state(counts, "technology", "published") == 2
    figures = Figures(DashboardFilter())
    by_chain = {row[0]: row[1:] for row in table_export("by_chain", DashboardFilter()).rows}
    assert by_chain[market["chain_a"].name] == [2, 2]  # d1, d3 public; t1, t2
    assert by_chain[market["chain_b"].name] == [1, 0]
    by_district = {row[0]: row[1:] for row in table_export("by_district", figures.filters).rows}
    assert by_district["历城区"] == [2, 0] and by_district["历下区"] == [1, 2]


def test_bid_figures_and_median_time_to_first_bid(market):
    stats = bid_stats(DashboardFilter())
    assert (stats.demands, stats.demands_with_bids, stats.bids) == (3, 2, 3)
    assert stats.median_hours_to_first_bid == 17.0  # 24 h on d1, 10 h on d3
    assert dict(stats.buckets) == {"0": 1, "1": 1, "2": 1, "3–5": 0, "6+": 0}
    assert stats.per_demand[0]["pk"] == market["d1"].pk and stats.per_demand[0]["bids"] == 2


def test_bid_funnel_counts_deals_of_the_ledger(market):
    # Counts only: the money is the ledger's (tests/projects/test_ledger.py).
    funnel = dict(bid_funnel(DashboardFilter()))
    assert funnel["已提交揭榜"] == 3
    assert funnel["中榜"] == 1
    assert funnel["成交（已定榜，不含取消）"] == 1
    assert funnel["已签约"] == 1
    Deal.objects.update(status="cancelled")
    assert dict(bid_funnel(DashboardFilter()))["成交（已定榜，不含取消）"] == 0


def _scanned(page, score, counterpart=None):
    ListingCoverage.objects.create(
        page=page,
        kind="demand" if isinstance(page, DemandPage) else "technology",
        best_score=score,
        best_counterpart=counterpart,
        scanned_at=timezone.now(),
    )


def test_gap_table_counts_the_engines_coverage(market, settings):
    settings.JIEBANG_MATCH_MIN_SCORE = 60
    d1, d2, t1 = market["d1"], market["d2"], market["t1"]
    _scanned(d1, 80.0, t1)
    _scanned(t1, 80.0, d1)
    _scanned(d2, None)  # the engine found nothing sharing a key term
    # t2 published after the last run: not yet scanned.
    gap = gap_tables(DashboardFilter())
    chain = {row.label: row for row in gap.chain}
    a, b = chain[market["chain_a"].name], chain[market["chain_b"].name]
    assert (
        a.open_demands,
        a.uncovered_demands,
        a.unscanned_demands,
        a.public_technologies,
        a.unmatched_technologies,
        a.unscanned_technologies,
    ) == (1, 0, 0, 2, 0, 1)
    assert (b.open_demands, b.uncovered_demands, b.public_technologies) == (1, 1, 0)
    field = {row.label: row for row in gap.field}
    assert (
        field["先进制造与自动化"].uncovered_demands,
        field["生物与新医药"].uncovered_demands,
    ) == (0, 1)
    assert field["生物与新医药"].unscanned_technologies == 1
    # Below the threshold counts as uncovered; the page says when the engine last ran.
    ListingCoverage.objects.filter(page=d1).update(best_score=59.9)
    assert {r.label: r for r in gap_tables(DashboardFilter()).chain}[
        market["chain_a"].name
    ].uncovered_demands == 1
    note = table_export("gap_chain", DashboardFilter()).note
    assert "60%" in note and "最近一次测算" in note


def test_gap_page_before_the_engine_has_run_says_how_to_run_it(client, curator, market):
    client.force_login(curator)
    body = client.get(DASHBOARD + "gap/").content.decode()
    assert "propose_matches" in body


def test_filters_by_district_and_period(market):
    licheng = DashboardFilter(district=LICHENG)
    counts = listing_state_counts(licheng)
    assert _state(counts, "demand", "open") == 1 and _state(counts, "demand", "closed") == 1
    assert _state(counts, "technology", "published") == 0
    assert bid_stats(licheng).demands == 2
    year = DashboardFilter(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
    counts = listing_state_counts(year)
    assert _state(counts, "demand", "closed") == 0 and _state(counts, "demand", "draft") == 0
    stats = bid_stats(year)
    assert (stats.demands, stats.bids, stats.median_hours_to_first_bid) == (2, 2, 24.0)
    assert dict(bid_funnel(year))["已提交揭榜"] == 2
    # The "to" date is inclusive: a listing first published that day is counted.
    assert bid_stats(DashboardFilter(date_to=dt.date(2025, 3, 10))).demands == 2


def test_pages_render_with_filters_and_charts(client, curator, market):
    client.force_login(curator)
    for page in ("", "bids/", "ledger/", "gap/", "overdue/"):
        response = client.get(DASHBOARD + page, {"district": LICHENG, "date_from": "2024-01-01"})
        assert response.status_code == 200, page
    body = client.get(DASHBOARD).content.decode()
    assert "<svg" in body and "<rect" in body and market["chain_a"].name in body
    assert "export/by_chain.xlsx" in body
    body = client.get(DASHBOARD + "gap/").content.decode()
    assert "propose_matches" in body  # no engine run yet: the page says how to start one


def test_invalid_filter_is_reported_not_applied(client, curator, market):
    client.force_login(curator)
    response = client.get(DASHBOARD, {"date_from": "2025-13-40", "district": LICHENG})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["filters"] == DashboardFilter(district=LICHENG)


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], [list(r) for r in rows[1:]]


def test_export_has_the_same_figures_with_the_same_filters(client, curator, market):
    client.force_login(curator)
    params = {"district": LICHENG}
    headers, rows = _sheet(client.get(DASHBOARD + "export/by_chain.xlsx", params))
    assert list(headers) == ["产业链", "技术需求", "科技成果"]
    assert rows == table_export("by_chain", DashboardFilter(district=LICHENG)).rows
    assert [market["chain_a"].name, 2, 0] in rows
    _headers, rows = _sheet(client.get(DASHBOARD + "export/funnel_bids.xlsx"))
    assert ["成交（已定榜，不含取消）", 1, "33.3%"] in rows
    _headers, rows = _sheet(client.get(DASHBOARD + "export/gap_chain.xlsx"))
    # No engine run yet: chain B's one open demand waits to be scanned.
    assert [market["chain_b"].name, 1, 0, 1, 0, 0, 0] in rows
    assert client.get(DASHBOARD + "export/nonsense.xlsx").status_code == 404
    assert AuditEntry.objects.filter(action="dashboard.export").count() == 3


def test_only_curators_reach_the_dashboard(client, enterprise_member, market):
    client.force_login(enterprise_member)
    for url in (DASHBOARD, DASHBOARD + "gap/", DASHBOARD + "export/by_chain.xlsx"):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert market["chain_a"].name not in response.content.decode()
    client.logout()
    assert client.get(DASHBOARD).status_code == 302


def test_member_with_admin_access_is_still_refused(client, enterprise_member, market):
    from django.contrib.auth.models import Permission

    enterprise_member.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(enterprise_member)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(DASHBOARD + "export/by_chain.xlsx").status_code == 403


EXTERNAL = re.compile(r"(?:https?:)?//(?!testserver[/:\"'])[\w.-]+\.[a-z]{2,}", re.I)
RESOURCE = re.compile(
    r"<(?:script|img|link|iframe|source)\b[^>]*?(?:src|href)=[\"']([^\"']+)", re.I
)


def test_no_external_urls_in_the_rendered_pages(client, curator, market):
    client.force_login(curator)
    for page in ("", "bids/", "gap/", "overdue/"):
        body = client.get(DASHBOARD + page).content.decode()
        # Nothing the browser loads comes from another host (no CDN for charts or styles) ...
        resources = [url for url in RESOURCE.findall(body) if EXTERNAL.match(url)]
        assert resources == [], (page, resources)
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", body)
        # ... and the dashboard itself names no other host at all (Wagtail's own chrome
        # carries help links to wagtail.org, which the browser does not load).
        content = body[body.index("data-dashboard=") :]
        assert EXTERNAL.findall(content) == [], page


def test_overdue_reviews_and_bid_decisions_are_highlighted(client, curator, market):
    late = DemandPageFactory(status="in_review", live=False, title="待审核的老需求")
    late.get_workflow().start(late, curator)
    WorkflowState.objects.filter(object_id=str(late.pk)).update(
        created_at=timezone.now() - dt.timedelta(days=5)
    )
    fresh = DemandPageFactory(status="in_review", live=False, title="刚提交的需求")
    fresh.get_workflow().start(fresh, curator)
    past = DemandPageFactory(bid_deadline=timezone.now() - dt.timedelta(days=20), title="久未定榜")
    Bid.objects.create(
        kind="demand",
        demand=past,
        organisation=OrganisationFactory(kind="university"),
        status="submitted",
        submitted_at=timezone.now() - dt.timedelta(days=25),
    )
    reviews = {item.label: item for item in pending_reviews(DashboardFilter())}
    assert reviews["待审核的老需求"].is_overdue and reviews["待审核的老需求"].overdue_days == 2
    assert not reviews["刚提交的需求"].is_overdue
    decisions = {item.label: item for item in pending_bid_decisions(DashboardFilter())}
    assert decisions["久未定榜"].is_overdue and decisions["久未定榜"].overdue_days == 6
    assert market["d1"].title not in decisions  # its deadline has not passed
    client.force_login(curator)
    body = client.get(DASHBOARD + "overdue/").content.decode()
    assert body.count("data-overdue") == 2
    assert "待审核的老需求" in body and "刚提交的需求" in body


def test_due_days_come_from_settings(settings, curator, market):
    settings.JIEBANG_DUE_DAYS = {"listing_review": 10}
    late = DemandPageFactory(status="in_review", live=False, title="五天前提交")
    late.get_workflow().start(late, curator)
    WorkflowState.objects.filter(object_id=str(late.pk)).update(
        created_at=timezone.now() - dt.timedelta(days=5)
    )
    assert not pending_reviews(DashboardFilter())[0].is_overdue


def test_bids_page_shows_both_funnels(client, curator, market):
    client.force_login(curator)
    body = client.get(DASHBOARD + "bids/").content.decode()
    assert 'data-table="funnel_bids"' in body and 'data-table="funnel_matches"' in body
    assert "data-match-funnel-missing" not in body


def test_bid_funnel_stands_in_when_matches_are_absent(client, curator, market, monkeypatch):
    from marketplace.curation import selectors

    monkeypatch.setattr(selectors, "match_model", lambda: None)
    assert selectors.match_funnel(DashboardFilter()) is None
    assert selectors.pending_match_answers(DashboardFilter()) == []
    client.force_login(curator)
    body = client.get(DASHBOARD + "bids/").content.decode()
    assert 'data-table="funnel_bids"' in body and 'data-table="funnel_matches"' not in body
    assert "data-match-funnel-missing" in body


@pytest.fixture
def matches(market):
    from marketplace.matches.models import Match

    techs = [market["t1"], TechnologyPageFactory(), TechnologyPageFactory()]
    now = timezone.now()
    deal = Deal.objects.create(
        source="match",
        demand=market["d1"],
        technology=techs[0],
        buyer=market["d1"].organisation,
        seller=techs[0].organisation,
        amount=1_500_000,
        awarded_on=dt.date(2025, 6, 1),
        signed_on=dt.date(2025, 6, 1),
        status="signed",
    )
    Match.objects.create(
        demand=market["d1"],
        technology=techs[0],
        state="recommended",
        decided_at=now - dt.timedelta(days=9),
        demand_answer="interested",
        technology_answer="interested",
        deal=deal,
    )
    Match.objects.create(
        demand=market["d1"],
        technology=techs[1],
        state="recommended",
        decided_at=now - dt.timedelta(days=9),
        demand_answer="interested",
    )
    Match.objects.create(
        demand=market["d2"],
        technology=techs[2],
        state="recommended",
        decided_at=now - dt.timedelta(days=2),
    )
    Match.objects.create(demand=market["d2"], technology=techs[0], state="dismissed")
    Match.objects.create(demand=market["d3"], technology=techs[1])
    return Match


def test_match_funnel_counts(matches):
    from marketplace.curation.selectors import match_funnel

    assert [n for _l, n in match_funnel(DashboardFilter())] == [5, 3, 1, 1]
    licheng = [n for _l, n in match_funnel(DashboardFilter(district=LICHENG))]
    assert licheng == [3, 2, 1, 1]  # matches of d1 and d3


def test_recommended_matches_waiting_for_an_answer(client, curator, matches):
    from marketplace.curation.selectors import pending_match_answers

    items = pending_match_answers(DashboardFilter())
    assert len(items) == 2  # the mutual one is answered
    late, fresh = items
    assert late.is_overdue and late.overdue_days == 2 and "成果方" in late.detail
    assert not fresh.is_overdue
    client.force_login(curator)
    body = client.get(DASHBOARD + "overdue/").content.decode()
    assert 'data-table="overdue_matches"' in body and body.count("data-overdue") == 1


def test_withdrawn_listing_counts_by_state_only(market):
    DemandPageFactory(status="withdrawn", live=False, industry_chain=market["chain_b"])
    assert _state(listing_state_counts(DashboardFilter()), "demand", "withdrawn") == 1
    by_chain = {row[0]: row[1:] for row in table_export("by_chain", DashboardFilter()).rows}
    assert by_chain[market["chain_b"].name] == [1, 0]  # still only d2


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_rows(client, curator, market):
    client.force_login(curator)
    univ = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)

    def late_demand_with_bid(n):
        demand = DemandPageFactory(bid_deadline=timezone.now() - dt.timedelta(days=30 + n))
        Bid.objects.create(
            kind="demand",
            demand=demand,
            organisation=univ,
            status="submitted",
            submitted_at=timezone.now() - dt.timedelta(days=40),
        )

    late_demand_with_bid(0)
    pages = ("", "bids/", "gap/", "overdue/")
    before = [_queries(client, DASHBOARD + p) for p in pages]
    for n in range(1, 7):
        late_demand_with_bid(n)
    after = [_queries(client, DASHBOARD + p) for p in pages]
    assert after == before


def test_menu_item_for_curators_only(client, curator, enterprise_member):
    from django.contrib.auth.models import Permission

    client.force_login(curator)
    assert DASHBOARD in client.get("/admin/").content.decode()
    enterprise_member.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(enterprise_member)
    assert DASHBOARD not in client.get("/admin/").content.decode()


def test_organisation_response_times_from_bids_and_match_answers(market):
    from marketplace.curation.selectors import organisation_response_times
    from marketplace.matches.models import Match

    owner = market["d1"].organisation.name
    recommended = timezone.now() - dt.timedelta(days=6)
    Match.objects.create(
        demand=market["d1"],
        technology=market["t1"],
        state="recommended",
        decided_at=recommended,
        demand_answer="interested",
        demand_answered_at=recommended + dt.timedelta(days=3),
    )
    rows = {row[0]: row[1:] for row in organisation_response_times(DashboardFilter())}
    # The awarded bid: submitted 2025-03-11 09:00, decided 2025-04-20 09:00.
    assert rows[owner] == (1, 40.0, 1, 3.0)
    assert market["t1"].organisation.name not in rows  # it never answered


def test_curator_response_times_from_wagtail_reviews(
    curator, enterprise, enterprise_member, client
):
    from wagtail.models import TaskState

    from cms import services
    from marketplace.curation.selectors import curator_response_times

    draft = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    state = services.listing_submit(user=enterprise_member, page=draft)
    task_state = draft.current_workflow_task_state or TaskState.objects.get(
        workflow_state__object_id=str(draft.pk)
    )
    task_state.task.specific.on_action(task_state, curator, "approve")
    TaskState.objects.filter(pk=task_state.pk).update(
        started_at=timezone.now() - dt.timedelta(days=2)
    )
    assert state is not None
    ((who, count, median),) = curator_response_times(DashboardFilter())
    assert (who, count) == (curator.email, 1) and 1.9 <= median <= 2.1
    client.force_login(curator)
    body = client.get(DASHBOARD + "overdue/").content.decode()
    assert 'data-table="response_curators"' in body and curator.email in body
