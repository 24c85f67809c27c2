"""The daily run (`send_alerts`): new matching listings, once, one digest a day, nothing closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cms import lifecycle
from cms.services import listing_withdraw
from marketplace.alerts.models import Alert, AlertHit
from marketplace.alerts.services import alert_create, match_subscription_set
from marketplace.alerts.tasks import send_alerts
from marketplace.bidding.services import demand_close
from marketplace.notifications.models import Notification
from tests.factories import DemandPageFactory, MembershipFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

WELDING = {"title": "高温合金薄壁件激光焊接变形控制", "keywords": "激光焊接,变形控制"}
BATTERY = {
    "title": "动力锂电池热管理系统优化",
    "keywords": "锂电池,热管理",
    "problem": "<p>电芯温升过高，需要热管理方案。</p>",
}


@pytest.fixture
def welding_alert(research_member):
    return alert_create(user=research_member, kind="demand", query="q=激光焊接")


def notices(user):
    return list(Notification.objects.filter(recipient=user, verb="alert.hits"))


def test_a_new_matching_listing_is_notified_and_a_non_matching_one_is_not(
    run, published, welding_alert, research_member
):
    welding = published(DemandPageFactory, **WELDING)
    published(DemandPageFactory, **BATTERY)
    result = run()
    assert (result.checked, result.hits, result.notices, result.emails) == (1, 1, 1, 1)
    [notice] = notices(research_member)
    assert welding_alert.name in notice.title and welding.title in notice.body
    assert "锂电池" not in notice.body
    assert notice.target_url == welding.url  # one new listing: the notice opens it
    [email] = mail.outbox
    assert email.to == [research_member.email]
    assert "1 个新项目" in email.subject
    assert welding.title in email.body and f"http://testserver{welding.url}" in email.body
    assert "http://testserver/workspace/alerts/" in email.body  # manage / unsubscribe
    assert "锂电池" not in email.body


def test_listings_published_before_the_search_was_saved_are_not_news(
    run, published, research_member
):
    published(DemandPageFactory, **WELDING)
    alert_create(user=research_member, kind="demand", query="q=激光焊接")
    assert run().hits == 0
    assert notices(research_member) == [] and mail.outbox == []


def test_running_twice_never_notifies_twice(
    run, django_capture_on_commit_callbacks, published, welding_alert, research_member
):
    published(DemandPageFactory, **WELDING)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_alerts")
        result = send_alerts.enqueue().return_value  # the task runs the same, immediately in tests
    assert (result["hits"], result["notices"], result["emails"]) == (0, 0, 0)
    assert len(notices(research_member)) == 1 and len(mail.outbox) == 1
    # Even a run that looks back over the same days again finds nothing new.
    Alert.objects.update(last_run_at=None)
    assert run().hits == 0
    assert len(notices(research_member)) == 1


def test_one_digest_per_member_listing_each_listing_once(
    run, published, welding_alert, research_member
):
    alert_create(user=research_member, kind="demand", query="q=变形控制")
    other = published(DemandPageFactory, title="铝合金激光焊接气孔控制", keywords="激光焊接,气孔")
    welding = published(DemandPageFactory, **WELDING)
    result = run()
    assert result.notices == 2  # one in-site notice per alert
    [email] = mail.outbox
    assert "2 个新项目" in email.subject
    assert email.body.count(welding.title) == 1 and email.body.count(other.title) == 1


def test_a_second_run_on_the_same_day_keeps_new_listings_for_the_next_digest(
    run, published, welding_alert, research_member
):
    published(DemandPageFactory, **WELDING)
    now = timezone.now()
    run(now=now)
    later = published(DemandPageFactory, title="不锈钢激光焊接自动化产线", keywords="激光焊接")
    run(now=now)
    assert len(notices(research_member)) == 2  # in-site: as soon as a run finds it
    assert len(mail.outbox) == 1  # e-mail: one a day
    run(now=now + dt.timedelta(days=1))
    assert len(mail.outbox) == 2 and later.title in mail.outbox[1].body
    assert "1 个新项目" in mail.outbox[1].subject


def test_paused_alerts_are_silent(run, published, welding_alert, research_member):
    Alert.objects.update(is_active=False)
    published(DemandPageFactory, **WELDING)
    assert run().checked == 0
    assert notices(research_member) == [] and mail.outbox == [] and not AlertHit.objects.exists()


def test_in_site_only_alerts_send_no_email(run, published, research_member):
    alert_create(user=research_member, kind="demand", query="q=激光焊接", frequency="site")
    published(DemandPageFactory, **WELDING)
    run()
    assert len(notices(research_member)) == 1 and mail.outbox == []


def test_closed_and_withdrawn_listings_are_not_sent(
    run, published, welding_alert, research_member, enterprise, enterprise_member
):
    closed = published(DemandPageFactory, organisation=enterprise, **WELDING)
    withdrawn = published(
        DemandPageFactory,
        organisation=enterprise,
        title="激光焊接机器人轨迹规划",
        keywords="激光焊接",
    )
    demand_close(user=enterprise_member, demand=closed)
    listing_withdraw(user=enterprise_member, page=withdrawn)
    assert run().hits == 0
    assert notices(research_member) == [] and mail.outbox == []


def test_a_listing_closed_between_the_notice_and_the_digest_is_left_out(
    run, published, research_member, enterprise, enterprise_member
):
    alert_create(user=research_member, kind="demand", query="q=激光焊接")
    demand = published(DemandPageFactory, organisation=enterprise, **WELDING)
    now = timezone.now()
    run(now=now)  # today's digest goes out
    AlertHit.objects.update(emailed_at=None)
    lifecycle.move(demand, lifecycle.Transition.CLOSE)
    run(now=now + dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_listings_of_the_members_own_organisation_are_skipped(
    run, published, research_member, university
):
    alert_create(user=research_member, kind="technology", query="q=正极材料")
    published(
        TechnologyPageFactory,
        organisation=university,
        title="正极材料包覆改性",
        keywords="正极材料",
    )
    assert run().hits == 0


def test_an_alert_whose_engine_fails_keeps_its_place_for_the_next_run(
    run, published, welding_alert, research_member, settings
):
    published(DemandPageFactory, **WELDING)
    working = settings.SEARCH_BACKENDS
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_backend"}}
    result = run()
    assert (result.skipped, result.hits) == (1, 0)
    assert Alert.objects.get().last_run_at is None
    settings.SEARCH_BACKENDS = working
    assert run().hits == 1


def test_match_subscription_notifies_new_matches_of_my_listing(
    run, published, enterprise, enterprise_member, settings
):
    settings.JIEBANG_MATCH_MIN_SCORE = 20
    demand = published(
        DemandPageFactory,
        organisation=enterprise,
        title="高温合金薄壁件激光焊接变形控制",
        keywords="激光焊接,变形控制,高温合金",
        problem="<p>高温合金薄壁件激光焊接后变形超差，需要焊接工艺与夹具优化。</p>",
    )
    match_subscription_set(user=enterprise_member, listing=demand, subscribed=True)
    welding = published(
        TechnologyPageFactory,
        title="薄壁件激光焊接变形控制工艺",
        keywords="激光焊接,变形控制",
        summary="通过焊接路径规划与随形夹具，控制高温合金薄壁件激光焊接变形。",
    )
    published(
        TechnologyPageFactory,
        title="锂电池正极材料制备",
        keywords="锂电池,正极材料",
        summary="高镍三元正极材料共沉淀制备。",
    )
    result = run()
    assert result.hits == 1
    [notice] = notices(enterprise_member)
    assert welding.title in notice.body and "锂电池" not in notice.body
    hit = AlertHit.objects.get()
    assert hit.listing_id == welding.pk and hit.percent >= 20
    assert run().hits == 0


def test_match_subscription_below_the_threshold_is_silent(
    run, published, enterprise, enterprise_member, settings
):
    settings.JIEBANG_MATCH_MIN_SCORE = 100.1
    demand = published(DemandPageFactory, organisation=enterprise, **WELDING)
    match_subscription_set(user=enterprise_member, listing=demand, subscribed=True)
    published(
        TechnologyPageFactory, title="薄壁件激光焊接变形控制工艺", keywords="激光焊接,变形控制"
    )
    assert run().hits == 0


def test_inactive_members_get_nothing(run, published, welding_alert, research_member):
    research_member.is_active = False
    research_member.save()
    published(DemandPageFactory, **WELDING)
    assert run().checked == 0


def test_a_member_who_left_the_organisation_loses_the_listing_subscription(
    run, published, enterprise, enterprise_member
):
    demand = published(DemandPageFactory, organisation=enterprise, **WELDING)
    match_subscription_set(user=enterprise_member, listing=demand, subscribed=True)
    MembershipFactory._meta.model.objects.filter(user=enterprise_member).delete()
    published(
        TechnologyPageFactory, title="薄壁件激光焊接变形控制工艺", keywords="激光焊接,变形控制"
    )
    assert run().hits == 0
