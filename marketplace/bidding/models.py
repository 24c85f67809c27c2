"""揭榜: bids on demands (research organisations) and on technologies (enterprises)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.lifecycle import ListingKind
from cms.models import DemandIndicator, DemandPage, TechnologyPage
from cms.taxonomy import CooperationMode
from marketplace.organisations.models import Organisation

# 100 亿元: anything above is a typing error, not a quote.
MAX_PRICE_YUAN = 10_000_000_000
# The version of the click-through confidentiality terms (templates/bidding/terms.html).
CONFIDENTIALITY_TERMS_VERSION = "2025.1"


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    SHORTLISTED = "shortlisted", _("已入围")
    AWARDED = "awarded", _("已中榜")
    DECLINED = "declined", _("未中榜")
    WITHDRAWN = "withdrawn", _("已撤回")
    # The award was revoked: a curator upheld an objection during 公示.
    REVOKED = "revoked", _("定榜已撤销")


# An organisation may hold one bid in these states per listing.
ACTIVE_BID_STATES = (
    BidStatus.DRAFT,
    BidStatus.SUBMITTED,
    BidStatus.SHORTLISTED,
    BidStatus.AWARDED,
)
# States the listing owner may see (never drafts or withdrawn bids' drafts).
VISIBLE_TO_OWNER_STATES = (
    BidStatus.SUBMITTED,
    BidStatus.SHORTLISTED,
    BidStatus.AWARDED,
    BidStatus.DECLINED,
    BidStatus.REVOKED,
)
DECIDABLE_STATES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED)


class DeclineReason(models.TextChoices):
    INDICATORS_NOT_MET = "indicators_not_met", _("技术指标不满足要求")
    TOO_EARLY = "too_early", _("技术成熟度不足")
    PRICE = "price", _("报价不合适")
    TIMELINE = "timeline", _("进度安排不满足要求")
    CAPABILITY = "capability", _("研发能力证明不足")
    UNCLEAR = "unclear", _("方案不够清晰")
    CHOSE_OTHER = "chose_other", _("已选择其他揭榜方")
    OTHER = "other", _("其他原因")


class Bid(models.Model):
    """揭榜: a proposal on a demand, or an enterprise's request to take up a technology."""

    kind = models.CharField(_("揭榜类型"), max_length=16, choices=ListingKind.choices)
    demand = models.ForeignKey(
        DemandPage,
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bids",
    )
    technology = models.ForeignKey(
        TechnologyPage,
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bids",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="bids"
    )
    consortium_members = models.ManyToManyField(
        Organisation, verbose_name=_("联合体成员"), blank=True, related_name="consortium_bids"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="bids",
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=BidStatus.choices,
        default=BidStatus.DRAFT,
        db_index=True,
    )
    # A token issued with the form: a double-clicked submission finds the bid it made.
    idempotency_token = models.UUIDField(_("提交令牌"), unique=True, default=uuid.uuid4)

    # 揭榜意向书 sections (demand bids).
    background = models.TextField(_("揭榜方（联合体）基本情况"), blank=True)
    research_status = models.TextField(_("国内外研究现状"), blank=True)
    technical_approach = models.TextField(_("技术方案与路线"), blank=True)
    existing_work = models.TextField(_("前期工作基础"), blank=True)
    industrialisation_plan = models.TextField(_("联合产业化方案"), blank=True)
    team = models.TextField(_("团队组成"), blank=True)
    # Take-up requests (technology bids).
    cooperation_mode = models.ForeignKey(
        CooperationMode,
        verbose_name=_("意向合作方式"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intended_use = models.TextField(_("拟应用场景"), blank=True)
    message = models.TextField(_("留言"), blank=True)
    price = models.PositiveBigIntegerField(
        _("报价（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_YUAN)],
    )
    declares_no_related_party = models.BooleanField(_("声明与需求方无关联关系"), default=False)
    related_party_flags = models.JSONField(_("关联关系提示"), default=list, blank=True)

    decline_reason = models.CharField(
        _("未中榜原因"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    decline_comment = models.TextField(_("未中榜说明"), blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("揭榜")
        verbose_name_plural = _("揭榜")
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="demand", demand__isnull=False, technology__isnull=True)
                    | Q(kind="technology", technology__isnull=False, demand__isnull=True)
                ),
                name="bid_targets_one_listing",
            ),
            models.UniqueConstraint(
                fields=["organisation", "demand"],
                condition=Q(status__in=ACTIVE_BID_STATES, demand__isnull=False),
                name="one_active_bid_per_org_per_demand",
                violation_error_message=_("本单位已对该项目揭榜，请编辑已有方案。"),
            ),
            models.UniqueConstraint(
                fields=["organisation", "technology"],
                condition=Q(status__in=ACTIVE_BID_STATES, technology__isnull=False),
                name="one_active_bid_per_org_per_technology",
                violation_error_message=_("本单位已对该项目揭榜，请编辑已有方案。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="declined_bid_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.listing}"

    @property
    def listing(self):
        return self.demand if self.kind == ListingKind.DEMAND else self.technology

    @property
    def listing_id(self) -> int:
        return self.demand_id if self.kind == ListingKind.DEMAND else self.technology_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BID_STATES

    @property
    def is_sealed(self) -> bool:
        """Sealed bids stay hidden from the demand's owner until its deadline."""
        demand = self.demand if self.kind == ListingKind.DEMAND else None
        return bool(
            demand
            and demand.sealed_bids
            and demand.bid_deadline
            and demand.bid_deadline > timezone.now()
        )

    def clean(self) -> None:
        if self.price is not None and self.price > MAX_PRICE_YUAN:
            raise ValidationError({"price": _("报价超出合理范围。")})


class BidIndicatorResponse(models.Model):
    """A bid's answer to one core indicator of the demand: the value committed and its test."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="indicator_responses")
    indicator = models.ForeignKey(
        DemandIndicator, verbose_name=_("核心技术指标"), on_delete=models.CASCADE, related_name="+"
    )
    committed_value = models.CharField(_("承诺达到的指标值"), max_length=100)
    verification = models.CharField(_("验证方式"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("指标响应")
        verbose_name_plural = _("指标响应")
        constraints = [
            models.UniqueConstraint(fields=["bid", "indicator"], name="one_response_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.committed_value}"


class BidMilestone(models.Model):
    """A dated deliverable of the bid's plan; never later than the demand's delivery deadline."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="milestones")
    due_date = models.DateField(_("完成日期"))
    deliverable = models.CharField(_("阶段成果"), max_length=200)

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.due_date} {self.deliverable}"

    def clean(self) -> None:
        demand = self.bid.demand if self.bid_id and self.bid.kind == ListingKind.DEMAND else None
        if demand and demand.delivery_deadline and self.due_date:
            if self.due_date > demand.delivery_deadline:
                raise ValidationError(
                    {
                        "due_date": _("里程碑日期不能晚于攻关完成时限（%(date)s）。")
                        % {"date": demand.delivery_deadline.isoformat()}
                    }
                )


def bid_attachment_upload_to(instance, filename: str) -> str:
    # Private storage with a random name: only the permission-checked view serves it.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/bids/{instance.bid_id}/{uuid.uuid4().hex}.{ext}"


class BidAttachment(models.Model):
    """A file of the bid (PDF, Word, image), checked by content and size on upload."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("附件名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to=bid_attachment_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("揭榜附件")
        verbose_name_plural = _("揭榜附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class BidMessage(models.Model):
    """A message in the question thread between the listing owner and one bidder."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("揭榜沟通")
        verbose_name_plural = _("揭榜沟通")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class PublicQuestion(models.Model):
    """答疑: a public question on an open demand and the owner's answer."""

    demand = models.ForeignKey(DemandPage, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(_("问题"), max_length=2000)
    answer = models.TextField(_("答复"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("答疑")
        verbose_name_plural = _("答疑")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.question[:40]

    @property
    def is_answered(self) -> bool:
        return bool(self.answered_at)


class ConfidentialityAgreement(models.Model):
    """A bidder's click-through acceptance of a demand's confidentiality terms."""

    demand = models.ForeignKey(DemandPage, on_delete=models.CASCADE, related_name="agreements")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(_("条款版本"), max_length=20)
    accepted_at = models.DateTimeField(_("签署时间"), default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("保密承诺")
        verbose_name_plural = _("保密承诺")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "user", "version"], name="one_agreement_per_user_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.demand_id} · v{self.version}"


class AccessLogEntry(models.Model):
    """One view of a demand's confidential details or one download of a bid attachment."""

    class Action(models.TextChoices):
        CONFIDENTIAL = "confidential", _("查看保密信息")
        ATTACHMENT = "attachment", _("下载揭榜附件")

    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    demand = models.ForeignKey(
        DemandPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    technology = models.ForeignKey(
        TechnologyPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bid = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    attachment = models.ForeignKey(
        BidAttachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"


class DealSource(models.TextChoices):
    BID = "bid", _("揭榜定榜")
    MATCH = "match", _("对接推荐")


class Deal(models.Model):
    """成交台账: the one record of a deal, from an awarded bid or a brokered match.

    A bid's award records its row; a curator's match deal records one (``source=match``) or,
    when the pair also went through a bid, completes the bid's row, so no deal counts twice.
    The buyer pays (the demand's owner, the enterprise taking up a technology); the seller
    delivers (the solver, the technology's owner). A confirmed 技术合同登记 sets the amount
    and the signing date. Counted deals: ``selectors.counted_deals`` (not cancelled).
    """

    class Status(models.TextChoices):
        RECORDED = "recorded", _("已定榜待签约")
        SIGNED = "signed", _("已签约")
        CANCELLED = "cancelled", _("已取消")

    source = models.CharField(
        _("来源"), max_length=8, choices=DealSource.choices, default=DealSource.BID
    )
    bid = models.OneToOneField(
        Bid, null=True, blank=True, on_delete=models.CASCADE, related_name="deal"
    )
    demand = models.ForeignKey(
        DemandPage,
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deals",
    )
    technology = models.ForeignKey(
        TechnologyPage,
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deals",
    )
    buyer = models.ForeignKey(
        Organisation, verbose_name=_("买方"), on_delete=models.PROTECT, related_name="deals_bought"
    )
    seller = models.ForeignKey(
        Organisation, verbose_name=_("卖方"), on_delete=models.PROTECT, related_name="deals_sold"
    )
    amount = models.PositiveBigIntegerField(
        _("成交金额（元）"), null=True, blank=True, validators=[MaxValueValidator(MAX_PRICE_YUAN)]
    )
    # The award's date (bids) or the deal's date (matches): nothing of the deal happens before.
    awarded_on = models.DateField(_("成交日期"))
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECORDED
    )
    note = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("成交")
        verbose_name_plural = _("成交台账")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="match") | Q(bid__isnull=False),
                name="bid_deal_has_bid",
            ),
            models.CheckConstraint(
                condition=Q(demand__isnull=False) | Q(technology__isnull=False),
                name="deal_has_listing",
            ),
        ]

    def __str__(self) -> str:
        listing = self.demand or self.technology
        return f"{self.seller} → {self.buyer} · {listing}" if listing else str(self.pk)

    @property
    def title(self) -> str:
        listing = self.demand or self.technology
        return listing.title if listing else ""

    @property
    def is_counted(self) -> bool:
        return self.status != self.Status.CANCELLED


class ContractType(models.TextChoices):
    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENCE = "licence", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


class ContractState(models.TextChoices):
    SUBMITTED = "submitted", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    RETURNED = "returned", _("已退回")


class TechContract(models.Model):
    """技术合同登记: the contract of one deal, in the national registration fields."""

    deal = models.OneToOneField(
        Deal, verbose_name=_("成交"), on_delete=models.CASCADE, related_name="contract"
    )
    contract_type = models.CharField(_("合同类型"), max_length=16, choices=ContractType.choices)
    number = models.CharField(_("合同编号"), max_length=64)
    registry = models.CharField(_("登记机构"), max_length=120)
    signed_on = models.DateField(_("签订日期"))
    registered_on = models.DateField(_("登记日期"))
    amount = models.PositiveBigIntegerField(
        _("成交金额（元）"), validators=[MaxValueValidator(MAX_PRICE_YUAN)]
    )
    technology_amount = models.PositiveBigIntegerField(
        _("技术交易额（元）"), validators=[MaxValueValidator(MAX_PRICE_YUAN)]
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ContractState.choices, default=ContractState.SUBMITTED
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("技术合同登记")
        verbose_name_plural = _("技术合同登记")
        ordering = ["-registered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(technology_amount__lte=models.F("amount")),
                name="contract_technology_amount_within_amount",
                violation_error_message=_("技术交易额不能大于成交金额。"),
            ),
            models.CheckConstraint(
                condition=Q(registered_on__gte=models.F("signed_on")),
                name="contract_registered_after_signed",
                violation_error_message=_("登记日期不能早于签订日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.get_contract_type_display()}"


class DealPayment(models.Model):
    """到账: one payment the seller received under a deal (yuan)."""

    deal = models.ForeignKey(
        Deal, verbose_name=_("成交"), on_delete=models.CASCADE, related_name="payments"
    )
    amount = models.PositiveBigIntegerField(
        _("到账金额（元）"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_YUAN)]
    )
    received_on = models.DateField(_("到账日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("到账")
        verbose_name_plural = _("到账")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} · {self.amount}"


class SentReminder(models.Model):
    """A deadline reminder already sent, so `send_reminders` sends each one once."""

    class Window(models.TextChoices):
        THREE_DAYS = "3d", _("截止前3天")
        ONE_DAY = "1d", _("截止前1天")

    demand = models.ForeignKey(DemandPage, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=4, choices=Window.choices)
    # The deadline the reminder was about: moving the deadline allows a fresh reminder.
    deadline = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "user", "window", "deadline"], name="one_reminder_per_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.user_id} · {self.window}"
