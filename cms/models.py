"""Wagtail page models: the home page and the two catalogues (demands and technologies)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from marketplace.organisations.districts import District
from marketplace.organisations.models import Organisation

from . import lifecycle

# The public states stay importable from here for marketplace/api/filters.py.
from .lifecycle import (  # noqa: F401
    PUBLIC_DEMAND_STATES,
    PUBLIC_TECHNOLOGY_STATES,
    DemandStatus,
    TechnologyStatus,
)
from .panels import CompletenessPanel
from .stages import Stage
from .taxonomy import CooperationMode, IndustryChain, TechnologyField  # noqa: F401

# ---------------------------------------------------------------------------
# Choices


class IPOwnership(models.TextChoices):
    DEMANDER = "demander", _("需求方所有")
    SOLVER = "solver", _("揭榜方所有")
    SHARED = "shared", _("双方共有")
    CONTRACT = "contract", _("按合同约定")


class BudgetKind(models.TextChoices):
    RANGE = "range", _("预算区间")
    FIXED = "fixed", _("固定榜额")
    NEGOTIABLE = "negotiable", _("面议")


class Attribute(models.TextChoices):
    ORIGINAL = "original", _("原始性创新")
    IMPORTED = "imported", _("国外引进消化吸收创新")
    SECONDARY = "secondary", _("国内技术二次开发")


class Level(models.TextChoices):
    INTL_LEADING = "intl_leading", _("国际领先")
    INTL_ADVANCED = "intl_advanced", _("国际先进")
    DOMESTIC_LEADING = "domestic_leading", _("国内领先")
    DOMESTIC_ADVANCED = "domestic_advanced", _("国内先进")
    UNRATED = "unrated", _("未评价")


class PriceKind(models.TextChoices):
    FIXED = "fixed", _("标价")
    NEGOTIABLE = "negotiable", _("面议")


class IPType(models.TextChoices):
    INVENTION = "invention", _("发明专利")
    UTILITY = "utility", _("实用新型")
    DESIGN = "design", _("外观设计")
    SOFTWARE = "software", _("软件著作权")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    KNOW_HOW = "know_how", _("技术秘密")
    OTHER = "other", _("其他")


class IPStatus(models.TextChoices):
    FILED = "filed", _("已受理")
    PUBLISHED = "published", _("已公开")
    GRANTED = "granted", _("已授权")
    REGISTERED = "registered", _("已登记")
    NA = "na", _("不适用")


class EvidenceKind(models.TextChoices):
    TEST_REPORT = "test_report", _("检测报告")
    PILOT_REPORT = "pilot_report", _("中试报告")
    APPRAISAL = "appraisal", _("成果鉴定/评价证书")
    CERTIFICATE = "certificate", _("专利证书")
    USER_REPORT = "user_report", _("用户使用报告")
    OTHER = "other", _("其他")


# ---------------------------------------------------------------------------
# Home and index pages


class HomePage(Page):
    """The site root: a short introduction and the newest listings of both catalogues."""

    intro = RichTextField(_("简介"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.DemandIndexPage", "cms.TechnologyIndexPage", "cms.ContentPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_demands"] = (
            DemandPage.objects.filter(lifecycle.accepting_q(lifecycle.ListingKind.DEMAND))
            .select_related("organisation", "industry_chain")
            .order_by("-first_published_at")[:6]
        )
        context["latest_technologies"] = (
            TechnologyPage.objects.filter(lifecycle.public_q(lifecycle.ListingKind.TECHNOLOGY))
            .select_related("organisation", "technology_field")
            .order_by("-first_published_at")[:6]
        )
        return context


class ContentPage(Page):
    """A plain content page (policies, guides)."""

    body = RichTextField(_("正文"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("body")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("内容页")


class CatalogueIndexPage(Page):
    """Shared behaviour of the two catalogue index pages: filtering and paging."""

    intro = RichTextField(_("简介"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    page_size = 20
    max_count = 1

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        from .selectors import catalogue_filter

        context = super().get_context(request, *args, **kwargs)
        listing_model = self.listing_model()
        result = catalogue_filter(listing_model, request.GET)
        paginator = Paginator(result.queryset, self.page_size)
        context.update(
            {
                "filters": result,
                "page_obj": paginator.get_page(request.GET.get("page")),
                "querystring": result.querystring,
            }
        )
        return context


class DemandIndexPage(CatalogueIndexPage):
    """/demands/: the R&D demand catalogue."""

    subpage_types = ["cms.DemandPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("技术需求目录")

    @staticmethod
    def listing_model():
        return DemandPage


class TechnologyIndexPage(CatalogueIndexPage):
    """/technologies/: the technology catalogue."""

    subpage_types = ["cms.TechnologyPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("科技成果目录")

    @staticmethod
    def listing_model():
        return TechnologyPage


# ---------------------------------------------------------------------------
# Listings


class ListingPage(Page):
    """Fields and behaviour common to demands and technologies."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.CharField(
        _("关键词"), max_length=200, blank=True, help_text=_("3–8个，用逗号或顿号分隔")
    )
    industry_chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    technology_field = models.ForeignKey(
        TechnologyField,
        verbose_name=_("技术领域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    district = models.CharField(_("所在区县"), max_length=16, choices=District.choices, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # The analyser's tokens, filled by search/ so Wagtail's admin search finds Chinese words.
    search_tokens = models.TextField(blank=True, editable=False)
    # Set by search/ when a listing was imported from a catalogue workbook.
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True, db_index=True)

    search_fields = Page.search_fields + [
        index.SearchField("search_tokens"),
        index.FilterField("status"),
        index.FilterField("organisation_id"),
    ]

    # Revisions never carry the lifecycle: it belongs to the page as a whole.
    page_wide_fields = ("status", "organisation_id", "external_ref")

    class Meta:
        abstract = True

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        for name in self.page_wide_fields:
            setattr(obj, name, getattr(self, name))
        return obj

    @property
    def keyword_list(self) -> list[str]:
        import re

        return [k for k in re.split(r"[,，、;；\s]+", self.keywords or "") if k]

    @property
    def is_public(self) -> bool:
        return lifecycle.is_public(self)

    @property
    def is_accepting_bids(self) -> bool:
        return lifecycle.accepts_bids(self)

    def can_view_confidential(self, user) -> bool:
        from .permissions import can_view_confidential

        return can_view_confidential(user, self)

    def serve(self, request, *args, **kwargs):
        request.is_preview = False
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .permissions import can_edit_listing, can_view_confidential, can_view_contact

        context = super().get_context(request, *args, **kwargs)
        user = request.user
        context["show_confidential"] = can_view_confidential(user, self)
        context["show_contact"] = can_view_contact(user, self)
        context["can_edit"] = can_edit_listing(user, self)
        context["public_attachments"] = [a for a in self.attachments.all() if a.is_public]
        return context


class DemandPage(ListingPage):
    """技术需求 / 榜单: an SME's technical problem, open for bids until its deadline."""

    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=DemandStatus.choices,
        default=DemandStatus.DRAFT,
        db_index=True,
    )
    problem = RichTextField(_("主要技术问题"), help_text=_("需要解决的关键技术难题及其背景"))
    current_state = models.TextField(_("研发现状"), blank=True)
    benchmark = models.TextField(_("国内外对标情况"), blank=True)
    expected_outcome = models.TextField(_("预期成果"), blank=True)
    application_scenario = models.TextField(_("应用场景"), blank=True)
    bid_deadline = models.DateTimeField(_("揭榜截止时间"), null=True, blank=True)
    delivery_deadline = models.DateField(_("攻关完成时限"), null=True, blank=True)
    ip_ownership = models.CharField(
        _("知识产权归属"), max_length=16, choices=IPOwnership.choices, default=IPOwnership.CONTRACT
    )
    budget_kind = models.CharField(
        _("资金投入方式"), max_length=16, choices=BudgetKind.choices, default=BudgetKind.RANGE
    )
    budget_min = models.PositiveBigIntegerField(_("预算下限（元）"), null=True, blank=True)
    budget_max = models.PositiveBigIntegerField(_("预算上限/榜额（元）"), null=True, blank=True)
    cooperation_modes = ParentalManyToManyField(
        CooperationMode, verbose_name=_("合作方式"), blank=True, related_name="+"
    )
    bidder_requirements = models.TextField(_("揭榜方条件"), blank=True)
    # The same vocabulary as a technology's stage, so matching can compare the two.
    required_stage = models.CharField(
        _("成果成熟度要求"),
        max_length=16,
        choices=Stage.choices,
        blank=True,
        help_text=_("揭榜成果至少应达到的阶段；不限则留空"),
    )
    winners_count = models.PositiveSmallIntegerField(
        _("拟择优揭榜方数量"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    sealed_bids = models.BooleanField(
        _("截止前密封投标"), default=False, help_text=_("勾选后，截止时间前需求方看不到揭榜方案")
    )
    confidential_details = models.TextField(
        _("保密信息"),
        blank=True,
        help_text=_("仅本单位和平台审核人员可见；入围揭榜方签署保密承诺后可查看"),
    )

    content_panels = Page.content_panels + [
        CompletenessPanel(),
        MultiFieldPanel(
            [
                FieldPanel("organisation"),
                FieldPanel("keywords"),
                FieldPanel("industry_chain"),
                FieldPanel("technology_field"),
                FieldPanel("district"),
            ],
            heading=_("基本信息"),
        ),
        FieldPanel("problem"),
        InlinePanel("indicators", label=_("核心技术指标")),
        MultiFieldPanel(
            [
                FieldPanel("current_state"),
                FieldPanel("benchmark"),
                FieldPanel("expected_outcome"),
                FieldPanel("application_scenario"),
            ],
            heading=_("现状与预期"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("bid_deadline"),
                FieldPanel("delivery_deadline"),
                FieldPanel("ip_ownership"),
                FieldPanel("budget_kind"),
                FieldPanel("budget_min"),
                FieldPanel("budget_max"),
                FieldPanel("cooperation_modes"),
                FieldPanel("bidder_requirements"),
                FieldPanel("required_stage"),
                FieldPanel("winners_count"),
                FieldPanel("sealed_bids"),
            ],
            heading=_("揭榜条件"),
        ),
        FieldPanel("confidential_details"),
        InlinePanel("attachments", label=_("附件")),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_phone"), FieldPanel("contact_email")],
            heading=_("联系方式"),
        ),
    ]
    parent_page_types = ["cms.DemandIndexPage"]
    subpage_types: list[str] = []
    template = "cms/demand_page.html"

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.budget_min is not None and self.budget_max is not None:
            if self.budget_min > self.budget_max:
                errors["budget_min"] = _("预算下限不能高于上限。")
        if self.budget_kind == BudgetKind.FIXED and not self.budget_max:
            errors["budget_max"] = _("固定榜额需要填写金额。")
        if self.bid_deadline and self.delivery_deadline:
            if self.delivery_deadline < timezone.localtime(self.bid_deadline).date():
                errors["delivery_deadline"] = _("攻关完成时限不能早于揭榜截止时间。")
        if errors:
            raise ValidationError(errors)


class DemandIndicator(Orderable):
    """核心技术指标: one quantified target a bid must answer."""

    page = ParentalKey(DemandPage, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标名称"), max_length=100)
    target_value = models.CharField(_("目标值"), max_length=60)
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=30, blank=True)
    verification = models.CharField(_("考核方式"), max_length=200, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("target_value"),
        FieldPanel("unit"),
        FieldPanel("verification"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("核心技术指标")

    def __str__(self) -> str:
        return f"{self.name} {self.target_value}{self.unit}"


def attachment_upload_to(instance, filename: str) -> str:
    # Files live outside any public URL; views serve them after a permission check.
    return f"private/listings/{instance.page_id or 'new'}/{filename}"


class ListingAttachment(Orderable):
    title = models.CharField(_("附件名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=255)
    is_public = models.BooleanField(
        _("公开"), default=False, help_text=_("不勾选则仅本单位与审核人员可见")
    )

    panels = [FieldPanel("title"), FieldPanel("file"), FieldPanel("is_public")]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.title


class DemandAttachment(ListingAttachment):
    page = ParentalKey(DemandPage, on_delete=models.CASCADE, related_name="attachments")


class TechnologyPage(ListingPage):
    """科技成果: a university or institute result available for transfer."""

    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=TechnologyStatus.choices,
        default=TechnologyStatus.DRAFT,
        db_index=True,
    )
    summary = models.TextField(
        _("成果简介"), help_text=_("200–500字，说明成果解决了什么问题、怎么解决")
    )
    description = RichTextField(_("技术说明"), blank=True)
    attribute = models.CharField(
        _("成果属性"), max_length=16, choices=Attribute.choices, default=Attribute.ORIGINAL
    )
    level = models.CharField(
        _("成果水平"), max_length=20, choices=Level.choices, default=Level.UNRATED
    )
    stage = models.CharField(
        _("成果所处阶段"), max_length=16, choices=Stage.choices, default=Stage.LAB
    )
    trl = models.PositiveSmallIntegerField(
        _("技术就绪度（TRL）"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("按 GB/T 22900 填写 1–9 级"),
    )
    indicators = models.TextField(_("主要技术经济指标"), blank=True)
    application_scenarios = models.TextField(_("应用场景"), blank=True)
    advantages = models.TextField(_("技术优势"), blank=True)
    cooperation_modes = ParentalManyToManyField(
        CooperationMode, verbose_name=_("转化方式"), blank=True, related_name="+"
    )
    price_kind = models.CharField(
        _("报价方式"), max_length=16, choices=PriceKind.choices, default=PriceKind.NEGOTIABLE
    )
    asking_price = models.PositiveBigIntegerField(_("意向价格（元）"), null=True, blank=True)
    team_lead = models.CharField(_("团队负责人"), max_length=50, blank=True)
    team_members = models.TextField(_("团队成员"), blank=True)

    content_panels = Page.content_panels + [
        CompletenessPanel(),
        MultiFieldPanel(
            [
                FieldPanel("organisation"),
                FieldPanel("keywords"),
                FieldPanel("technology_field"),
                FieldPanel("industry_chain"),
                FieldPanel("district"),
            ],
            heading=_("基本信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("attribute"), FieldPanel("level"), FieldPanel("stage"), FieldPanel("trl")],
            heading=_("成果评价"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("indicators"),
                FieldPanel("application_scenarios"),
                FieldPanel("advantages"),
            ],
            heading=_("指标与应用"),
        ),
        InlinePanel("ip_items", label=_("知识产权")),
        MultiFieldPanel(
            [FieldPanel("cooperation_modes"), FieldPanel("price_kind"), FieldPanel("asking_price")],
            heading=_("转化条件"),
        ),
        MultiFieldPanel([FieldPanel("team_lead"), FieldPanel("team_members")], heading=_("团队")),
        InlinePanel("attachments", label=_("证明材料")),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_phone"), FieldPanel("contact_email")],
            heading=_("联系方式"),
        ),
    ]
    parent_page_types = ["cms.TechnologyIndexPage"]
    subpage_types: list[str] = []
    template = "cms/technology_page.html"

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")

    def clean(self) -> None:
        super().clean()
        if self.price_kind == PriceKind.FIXED and not self.asking_price:
            raise ValidationError({"asking_price": _("标价方式需要填写意向价格。")})


class TechnologyIP(Orderable):
    """One item of intellectual property behind a technology."""

    page = ParentalKey(TechnologyPage, on_delete=models.CASCADE, related_name="ip_items")
    ip_type = models.CharField(_("类型"), max_length=16, choices=IPType.choices)
    number = models.CharField(_("编号"), max_length=60, blank=True)
    title = models.CharField(_("名称"), max_length=150, blank=True)
    status = models.CharField(
        _("法律状态"), max_length=16, choices=IPStatus.choices, default=IPStatus.GRANTED
    )

    panels = [
        FieldPanel("ip_type"),
        FieldPanel("number"),
        FieldPanel("title"),
        FieldPanel("status"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("知识产权")

    def __str__(self) -> str:
        return f"{self.get_ip_type_display()} {self.number}"


class TechnologyAttachment(ListingAttachment):
    page = ParentalKey(TechnologyPage, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("材料类型"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.OTHER
    )

    panels = ListingAttachment.panels + [FieldPanel("kind")]
