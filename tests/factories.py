"""factory_boy factories for every model; pages are created under the real catalogue indexes."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from wagtail.models import Page

from cms.models import (
    DemandIndexPage,
    DemandIndicator,
    DemandPage,
    TechnologyIndexPage,
    TechnologyIP,
    TechnologyPage,
)
from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from marketplace.accounts.models import User
from marketplace.organisations.models import EnterpriseTier, Membership, Organisation

# Valid 统一社会信用代码 generated with the GB 32100-2015 check digit.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(seq: int, prefix: str = "91370100") -> str:
    body = prefix + f"{seq:09d}"
    total = sum(_ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _ALPHABET[(31 - total % 31) % 31]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    display_name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "jiebang-test-pw")
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"济南测试科技有限公司{n}")
    credit_code = factory.Sequence(lambda n: credit_code(n + 1))
    district = "370102"
    contact_name = "张工"
    contact_phone = "0531-88888888"
    verification = Organisation.Verification.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.OWNER
    status = Membership.Status.ACTIVE


class EnterpriseTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseTier

    organisation = factory.SubFactory(OrganisationFactory)
    tier = EnterpriseTier.Tier.SPECIALISED
    certified_on = datetime.date(2025, 1, 1)
    expires_on = datetime.date(2028, 1, 1)


class _PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under its catalogue index, as the workspace does."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = cls._parent()
        live = kwargs.pop("live", True)
        modes = kwargs.pop("cooperation_modes", None)
        page = model_class(*args, live=live, **kwargs)
        parent.add_child(instance=page)
        if modes:
            page.cooperation_modes.set(modes)
        revision = page.save_revision()
        if live:
            revision.publish()
            page.refresh_from_db()
        return page


class DemandPageFactory(_PageFactory):
    class Meta:
        model = DemandPage

    title = factory.Sequence(lambda n: f"高温合金零件激光焊接变形控制技术需求{n}")
    slug = factory.Sequence(lambda n: f"demand-{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    keywords = "激光焊接,变形控制,高温合金"
    problem = "<p>我公司生产的高温合金薄壁件在激光焊接后变形超差，需要工艺优化方案。</p>"
    status = "open"
    district = "370112"
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    budget_min = 500_000
    budget_max = 1_000_000
    industry_chain = factory.LazyFunction(lambda: IndustryChain.objects.order_by("pk").first())
    technology_field = factory.LazyFunction(lambda: TechnologyField.objects.order_by("pk").first())

    @staticmethod
    def _parent():
        return DemandIndexPage.objects.get()


class TechnologyPageFactory(_PageFactory):
    class Meta:
        model = TechnologyPage

    title = factory.Sequence(lambda n: f"高效锂离子电池正极材料制备技术{n}")
    slug = factory.Sequence(lambda n: f"technology-{n}")
    organisation = factory.SubFactory(
        OrganisationFactory,
        kind=Organisation.Kind.UNIVERSITY,
        name=factory.Sequence(lambda n: f"测试大学{n}"),
    )
    keywords = "锂离子电池,正极材料"
    summary = "本成果提出一种高镍三元正极材料的共沉淀制备方法，循环寿命提升30%。"
    status = "published"
    stage = "pilot"
    trl = 6
    district = "370102"
    technology_field = factory.LazyFunction(lambda: TechnologyField.objects.order_by("pk").first())

    @staticmethod
    def _parent():
        return TechnologyIndexPage.objects.get()


class DemandIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandIndicator

    page = factory.SubFactory(DemandPageFactory)
    name = "焊后变形量"
    target_value = "≤0.2"
    unit = "mm"
    verification = "第三方检测"


class TechnologyIPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnologyIP

    page = factory.SubFactory(TechnologyPageFactory)
    ip_type = "invention"
    number = factory.Sequence(lambda n: f"ZL2023{n:08d}.X")
    status = "granted"


def taxonomy(model, slug):
    return model.objects.get(slug=slug)


__all__ = [
    "CooperationMode",
    "Page",
    "taxonomy",
]


class VerificationDecisionFactory(factory.django.DjangoModelFactory):
    """A curator's verify / reject decision on an organisation (audit record)."""

    class Meta:
        model = "organisations.VerificationDecision"

    organisation = factory.SubFactory(OrganisationFactory)
    decision = Organisation.Verification.VERIFIED
    note = "营业执照信息核验无误"
    curator = factory.SubFactory(UserFactory)


class MatchFactory(factory.django.DjangoModelFactory):
    """对接推荐: an engine-proposed pair of an open demand and a published technology."""

    class Meta:
        model = "matches.Match"

    demand = factory.SubFactory(DemandPageFactory)
    technology = factory.SubFactory(TechnologyPageFactory)
    source = "engine"
    score = 80.0
    explanation = "共同关键词：激光焊接、变形控制；符合条件：技术领域一致"
    shared_terms = factory.LazyFunction(lambda: ["激光焊接", "变形控制"])
    criteria = factory.LazyFunction(lambda: [{"code": "tech_field", "label": "技术领域一致"}])
    state = "proposed"
