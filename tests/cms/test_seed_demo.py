"""manage.py seed_demo: lifecycle coverage, demo logins, catalogues, refusals, bulk path."""

import datetime as dt
import random
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import Page, TaskState, WorkflowState

from cms.demo.builder import DEMO_LOGINS, DEMO_PASSWORD, allocate
from cms.demo.content import demand_content, technology_content
from cms.demo.names import credit_code
from cms.demo.vocab import CHAINS
from cms.lifecycle import DemandStatus, TechnologyStatus
from cms.management.commands.seed_demo import seeding_refusal
from cms.models import DemandPage, TechnologyPage
from marketplace.organisations.credit_code import validate_credit_code
from marketplace.organisations.districts import District
from marketplace.organisations.models import Membership, Organisation
from tests.demo_seed import Sink, seeded_in_rollback

SIZE = 60
PATENT = re.compile(r"^(ZL)?20\d{2}[12]\d{7}\.[\dX]$")


# -- the bulk path (runs first, on its own, while the database is still empty) ----------


@pytest.mark.django_db
def test_bulk_path_builds_a_consistent_page_tree(client):
    call_command("seed_demo", size=SIZE, bulk=True, stdout=Sink())
    assert all(not problems for problems in Page.find_problems())
    assert DemandPage.objects.count() + TechnologyPage.objects.count() == SIZE
    assert {p.status for p in DemandPage.objects.all()} == set(DemandStatus.values)
    # Bulk rows are real pages: specific class, URL routing, children rows.
    page = DemandPage.objects.live().filter(status="open").first()
    assert Page.objects.get(pk=page.pk).specific_class is DemandPage
    assert page.indicators.count() >= 2
    assert client.get(page.url).status_code == 200
    tech = TechnologyPage.objects.live().first()
    assert client.get(tech.url).status_code == 200
    # Workflow states still go through Wagtail.
    assert WorkflowState.objects.filter(status="in_progress").count() == (
        DemandPage.objects.filter(status="in_review").count()
        + TechnologyPage.objects.filter(status="in_review").count()
    )


# -- one seeded database shared by the remaining tests --------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at the end."""
    yield from seeded_in_rollback(django_db_blocker, SIZE)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def test_every_lifecycle_state_is_present(seeded_db):
    demands = set(DemandPage.objects.values_list("status", flat=True))
    technologies = set(TechnologyPage.objects.values_list("status", flat=True))
    assert demands == set(DemandStatus.values)
    assert technologies == set(TechnologyStatus.values)
    assert DemandPage.objects.count() == round(SIZE * 0.4)
    assert TechnologyPage.objects.count() == SIZE - round(SIZE * 0.4)


def test_review_states_sit_in_real_workflows(seeded_db):
    in_review = list(DemandPage.objects.filter(status="in_review")) + list(
        TechnologyPage.objects.filter(status="in_review")
    )
    for page in in_review:
        assert page.workflow_in_progress
        assert page.current_workflow_task_state.status == "in_progress"
    rejected = DemandPage.objects.filter(status="rejected").first()
    state = TaskState.objects.filter(
        workflow_state__object_id=str(rejected.pk), status="rejected"
    ).get()
    assert state.comment


def test_summary_and_logins_are_printed(seeded_db):
    for email in DEMO_LOGINS.values():
        assert email in seeded_db
    assert DEMO_PASSWORD in seeded_db
    assert "揭榜中" in seeded_db and "已转化" in seeded_db


@pytest.mark.parametrize("role", ["enterprise", "research", "curator"])
def test_demo_logins_work(seeded_db, client, role):
    email = DEMO_LOGINS[role]
    address = EmailAddress.objects.get(email=email)
    assert address.verified and address.primary
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_enterprise_login_owns_a_verified_enterprise_with_demands(seeded_db):
    membership = Membership.objects.get(user__email=DEMO_LOGINS["enterprise"])
    org = membership.organisation
    assert membership.role == "owner" and membership.is_active
    assert org.kind == "enterprise" and org.is_verified
    assert org.tiers.exists()
    statuses = set(DemandPage.objects.filter(organisation=org).values_list("status", flat=True))
    assert statuses == set(DemandStatus.values)


def test_research_login_owns_a_verified_university_with_technologies(seeded_db):
    membership = Membership.objects.get(user__email=DEMO_LOGINS["research"])
    org = membership.organisation
    assert membership.role == "owner" and org.is_verified
    assert org.kind == "university" and org.name == "齐鲁工业大学（山东省科学院）"
    statuses = set(TechnologyPage.objects.filter(organisation=org).values_list("status", flat=True))
    assert statuses == set(TechnologyStatus.values)


def test_curator_login_reaches_the_admin(seeded_db, client):
    from marketplace.accounts.models import User

    curator = User.objects.get(email=DEMO_LOGINS["curator"])
    assert curator.is_staff and curator.is_curator and not curator.is_superuser
    assert curator.groups.filter(name=settings.JIEBANG_CURATORS_GROUP).exists()
    assert not curator.memberships.exists()
    assert client.login(username=curator.email, password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_public_catalogues_list_open_demands_and_technologies(seeded_db, client):
    newest = DemandPage.objects.live().filter(status="open").order_by("-first_published_at")[0]
    assert newest.title in client.get("/demands/").content.decode()
    detail = client.get(newest.url)
    assert detail.status_code == 200
    if newest.confidential_details:
        assert newest.confidential_details not in detail.content.decode()
    tech = TechnologyPage.objects.live().order_by("-first_published_at")[0]
    assert tech.title in client.get("/technologies/").content.decode()
    body = client.get("/demands/").content.decode()
    public = set(DemandPage.objects.live().values_list("title", flat=True))
    for hidden in DemandPage.objects.filter(status__in=["draft", "in_review", "rejected"]):
        if hidden.title not in public:
            assert hidden.title not in body


def test_second_run_refuses_and_if_empty_is_a_no_op(seeded_db):
    before = DemandPage.objects.count()
    with pytest.raises(CommandError, match="已有"):
        call_command("seed_demo", size=SIZE, stdout=Sink())
    call_command("seed_demo", "--if-empty", stdout=Sink())
    assert DemandPage.objects.count() == before


def test_production_settings_are_refused(seeded_db, settings):
    settings.JIEBANG_PRODUCTION = True
    with pytest.raises(CommandError, match="生产"):
        call_command("seed_demo", "--if-empty", stdout=Sink())


def test_refusal_rule():
    assert seeding_refusal(production=True, debug=True, settings_module="x.dev")
    assert not seeding_refusal(production=False, debug=True, settings_module="x.staging")
    assert not seeding_refusal(
        production=False, debug=False, settings_module="marketplace.settings.test"
    )
    assert seeding_refusal(production=False, debug=False, settings_module="x.staging")
    assert not seeding_refusal(
        production=False, debug=False, settings_module="x.staging", allow_env="1"
    )


def test_organisations_are_valid_and_cover_every_district(seeded_db):
    codes = list(Organisation.objects.values_list("credit_code", flat=True))
    assert len(codes) == len(set(codes))
    for code in codes:
        assert validate_credit_code(code) == code
    districts = set(Organisation.objects.values_list("district", flat=True))
    assert districts == set(District.values)
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {"山东大学", "山东第一医科大学", "山东省农业科学院", "国家超级计算济南中心"} <= names
    assert Organisation.objects.filter(verification="pending").exists()


def test_listing_fields_are_complete_and_coherent(seeded_db):
    now = timezone.now()
    for page in DemandPage.objects.all():
        assert page.indicators.count() >= 2 and page.keyword_list and page.problem
        assert page.industry_chain_id and page.technology_field_id and page.district
        if page.status == "open":
            assert page.bid_deadline > now and page.live
        if page.status in {"closed", "awarded", "in_progress", "completed"}:
            assert page.bid_deadline < now
        if page.budget_min is not None:
            assert page.budget_min < page.budget_max
        page.full_clean()
    trl = {"lab": (3, 4), "small_pilot": (4, 5), "pilot": (6, 7), "mature": (7, 9)}
    for page in TechnologyPage.objects.prefetch_related("ip_items"):
        assert 150 <= len(page.summary) <= 400
        low, high = trl[page.stage]
        assert low <= page.trl <= high
        assert page.ip_items.exists() and page.team_lead
        for item in page.ip_items.all():
            if item.ip_type in {"invention", "utility"}:
                assert PATENT.match(item.number), item.number
        assert page.asking_price or page.price_kind == "negotiable"


def test_demand_and_technology_of_a_topic_share_vocabulary():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    topic = CHAINS["intelligent-manufacturing"]["topics"][0]
    demand = demand_content(
        random.Random(1),
        chain=CHAINS["intelligent-manufacturing"],
        chain_name="智能制造与高端装备",
        topic=topic,
        business="精密结构件加工",
        status="open",
        now=now,
    )
    tech = technology_content(
        random.Random(2),
        chain_slug="intelligent-manufacturing",
        topic=topic,
        org_short="山东大学",
        status="published",
        now=now,
    )
    shared = set(demand["values"]["keywords"].split("，")) & set(topic["keywords"])
    assert shared and any(word in tech["values"]["summary"] for word in ("薄壁件", "焊接"))
    again = demand_content(
        random.Random(1),
        chain=CHAINS["intelligent-manufacturing"],
        chain_name="智能制造与高端装备",
        topic=topic,
        business="精密结构件加工",
        status="open",
        now=now,
    )
    assert again == demand


def test_allocation_and_credit_code_helpers():
    counts = allocate(24, {"a": 8, "b": 1, "c": 91})
    assert sum(counts.values()) == 24 and min(counts.values()) >= 1
    capped = allocate(10_000, {"open": 90, "in_review": 10}, {"in_review": 25}, "open")
    assert capped == {"open": 9975, "in_review": 25}
    rng = random.Random(7)
    for _ in range(200):
        code = credit_code(rng, region="370112")
        assert validate_credit_code(code) == code


def test_demand_only_topics_never_become_technologies(seeded_db):
    """The demo's supply–demand gap: some topics are asked about and offered by nobody."""
    from cms.demo.vocab import supplied_topics

    only = [t for c in CHAINS for t in CHAINS[c]["topics"] if t.get("demand_only")]
    assert only and all(t not in supplied_topics(c) for c in CHAINS for t in only)
    for topic in only:
        assert not TechnologyPage.objects.filter(title__contains=topic["subject"]).exists()
