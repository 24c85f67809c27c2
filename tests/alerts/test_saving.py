"""Saving, changing and deleting alerts: /workspace/alerts/, the catalogue's save link, 404s."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from django.urls import reverse

from cms.taxonomy import IndustryChain
from marketplace.alerts.models import Alert
from marketplace.alerts.services import MAX_SAVED_SEARCHES, alert_create
from tests.factories import DemandPageFactory

pytestmark = pytest.mark.django_db


def save(client, kind="demand", query="q=激光焊接", **extra):
    data = {"kind": kind, "query": query, "name": "", "frequency": "daily", **extra}
    return client.post(reverse("alerts:save"), data)


def test_catalogue_offers_saving_the_current_search_without_page_or_sort(client, published):
    published(DemandPageFactory, title="激光焊接变形控制")
    chain = IndustryChain.objects.order_by("pk").first()
    html = client.get(
        "/demands/", {"q": "激光焊接", "industry_chain": chain.slug, "sort": "newest", "page": "1"}
    ).content.decode()
    assert "保存此搜索" in html
    link = html.split('class="save-search"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    params = dict(parse_qsl(link.split("?", 1)[1].replace("&amp;", "&")))
    assert params["kind"] == "demand"
    assert dict(parse_qsl(params["query"])) == {"q": "激光焊接", "industry_chain": chain.slug}


def test_member_saves_a_search_named_after_its_query(client, enterprise_member):
    client.force_login(enterprise_member)
    chain = IndustryChain.objects.order_by("pk").first()
    query = urlencode(
        {"q": " 激光  焊接 ", "industry_chain": chain.slug, "sort": "budget", "page": "3"}
    )
    form = client.get(reverse("alerts:save"), {"kind": "demand", "query": query})
    assert form.status_code == 200 and chain.name in form.content.decode()
    response = save(client, query=query)
    assert response.status_code == 302 and response["Location"] == reverse("alerts:list")
    alert = Alert.objects.get(user=enterprise_member)
    assert dict(parse_qsl(alert.query)) == {"q": "激光 焊接", "industry_chain": chain.slug}
    assert "激光 焊接" in alert.name and chain.name in alert.name
    listing = client.get(reverse("alerts:list")).content.decode()
    assert alert.name in listing
    # "Open saved search" is the catalogue page with the same query.
    assert f"/demands/?{alert.query}".replace("&", "&amp;") in listing


@pytest.mark.parametrize(
    "query, message",
    [
        ("industry_chain=no-such-chain", "选择一个有效的选项"),
        ("budget_band=huge", "预算/报价区间的取值无效"),
    ],
)
def test_bad_filters_are_refused_with_a_message_and_nothing_saved(
    client, enterprise_member, query, message
):
    client.force_login(enterprise_member)
    response = save(client, query=query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Alert.objects.exists()


def test_bad_kind_or_frequency_is_refused(client, enterprise_member):
    client.force_login(enterprise_member)
    assert save(client, kind="bids").status_code == 200
    assert save(client, frequency="hourly").status_code == 200
    assert not Alert.objects.exists()
    assert client.get(reverse("alerts:save"), {"kind": "bids"}).status_code == 404


def test_the_same_search_twice_is_refused(client, enterprise_member):
    client.force_login(enterprise_member)
    save(client, query="q=激光焊接")
    response = save(client, query="q=激光焊接&page=2")
    assert "您已保存过相同条件的搜索" in response.content.decode()
    assert Alert.objects.count() == 1


def test_saved_searches_are_capped_per_member(client, enterprise_member):
    for n in range(MAX_SAVED_SEARCHES):
        alert_create(user=enterprise_member, kind="demand", query=f"q=词{n}")
    client.force_login(enterprise_member)
    response = save(client, query="q=再来一个")
    assert "最多可保存 20 个搜索订阅" in response.content.decode()
    assert Alert.objects.count() == MAX_SAVED_SEARCHES


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("alerts:save"), {"kind": "demand", "query": "q=焊接"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_rename_change_frequency_and_pause(client, enterprise_member):
    alert = alert_create(user=enterprise_member, kind="demand", query="q=焊接")
    client.force_login(enterprise_member)
    url = reverse("alerts:detail", args=[alert.pk])
    response = client.post(url, {"name": "焊接需求", "frequency": "site"})  # is_active unticked
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.name, alert.frequency, alert.is_active) == ("焊接需求", "site", False)
    client.post(reverse("alerts:pause", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.is_active and alert.last_run_at is not None


def test_blank_name_is_refused_and_nothing_changes(client, enterprise_member):
    alert = alert_create(user=enterprise_member, kind="demand", query="q=焊接", name="焊接")
    client.force_login(enterprise_member)
    response = client.post(
        reverse("alerts:detail", args=[alert.pk]),
        {"name": "  ", "frequency": "daily", "is_active": "on"},
    )
    assert response.status_code == 200 and "必需字段" in response.content.decode()
    alert.refresh_from_db()
    assert alert.name == "焊接"


def test_delete(client, enterprise_member):
    alert = alert_create(user=enterprise_member, kind="demand", query="q=焊接")
    client.force_login(enterprise_member)
    assert client.post(reverse("alerts:delete", args=[alert.pk])).status_code == 302
    assert not Alert.objects.exists()


@pytest.mark.parametrize("name", ["detail", "pause", "delete"])
def test_other_members_alerts_are_404(client, enterprise_member, outsider, name):
    alert = alert_create(user=enterprise_member, kind="demand", query="q=焊接")
    client.force_login(outsider)
    url = reverse(f"alerts:{name}", args=[alert.pk])
    response = client.get(url) if name == "detail" else client.post(url)
    assert response.status_code == 404
    assert Alert.objects.filter(pk=alert.pk, is_active=True).exists()
    assert alert.name not in client.get(reverse("alerts:list")).content.decode()


def test_match_subscription_toggle_on_own_listing_only(
    client, published, enterprise, enterprise_member, outsider
):
    demand = published(DemandPageFactory, organisation=enterprise)
    url = reverse("alerts:listing", kwargs={"kind": "demand", "pk": demand.pk})
    client.force_login(outsider)
    assert client.post(url, {"subscribed": "1"}).status_code == 404
    assert not Alert.objects.exists()
    client.force_login(enterprise_member)
    page = client.get(f"/workspace/demand/{demand.pk}/matches/").content.decode()
    assert "有新匹配时通知我" in page and 'aria-checked="false"' in page
    client.post(url, {"subscribed": "1"})
    client.post(url, {"subscribed": "1"})  # a double click keeps one subscription
    alert = Alert.objects.get()
    assert (alert.user, alert.listing_id, alert.kind) == (
        enterprise_member,
        demand.pk,
        "technology",
    )
    assert (
        'aria-checked="true"'
        in client.get(f"/workspace/demand/{demand.pk}/matches/").content.decode()
    )
    client.post(url, {"subscribed": "0"})
    assert not Alert.objects.exists()
