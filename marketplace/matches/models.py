"""对接推荐: demand–technology matches brokered by curators, and the conversation they open."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.models import DemandPage, TechnologyPage

# 100 亿元, as for bids: anything above is a typing error, not an amount.
MAX_DEAL_YUAN = 10_000_000_000  # the ledger's limit (bidding.models.MAX_PRICE_YUAN)


class MatchSource(models.TextChoices):
    ENGINE = "engine", _("匹配引擎")
    CURATOR = "curator", _("审核人员")


class MatchState(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    RECOMMENDED = "recommended", _("已推荐")
    DISMISSED = "dismissed", _("已忽略")


class MatchAnswer(models.TextChoices):
    PENDING = "pending", _("待答复")
    INTERESTED = "interested", _("有意向")
    NOT_INTERESTED = "not_interested", _("无意向")


class Side(models.TextChoices):
    DEMAND = "demand", _("需求方")
    TECHNOLOGY = "technology", _("成果方")


class Match(models.Model):
    """A demand–technology pair: proposed by the engine or a curator, recommended or dismissed."""

    demand = models.ForeignKey(
        DemandPage, verbose_name=_("技术需求"), on_delete=models.CASCADE, related_name="matches"
    )
    technology = models.ForeignKey(
        TechnologyPage,
        verbose_name=_("科技成果"),
        on_delete=models.CASCADE,
        related_name="matches",
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=MatchSource.choices, default=MatchSource.ENGINE
    )
    # 0–100, the engine's match percentage; empty for a pair a curator proposed by hand.
    score = models.FloatField(
        _("匹配度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
    )
    # Snapshot of the engine's reasons when the pair was (last) proposed.
    explanation = models.TextField(_("匹配理由"), blank=True)
    shared_terms = models.JSONField(_("共同关键词"), default=list, blank=True)
    criteria = models.JSONField(_("符合条件"), default=list, blank=True)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=MatchState.choices,
        default=MatchState.PROPOSED,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    dismiss_note = models.TextField(_("忽略原因"), blank=True)
    note_to_demand = models.TextField(_("致需求方的推荐说明"), blank=True, max_length=2000)
    note_to_technology = models.TextField(_("致成果方的推荐说明"), blank=True, max_length=2000)

    demand_answer = models.CharField(
        _("需求方答复"), max_length=16, choices=MatchAnswer.choices, default=MatchAnswer.PENDING
    )
    demand_answered_at = models.DateTimeField(_("需求方答复时间"), null=True, blank=True)
    demand_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demand_answer_note = models.TextField(_("需求方答复说明"), blank=True, max_length=2000)
    technology_answer = models.CharField(
        _("成果方答复"), max_length=16, choices=MatchAnswer.choices, default=MatchAnswer.PENDING
    )
    technology_answered_at = models.DateTimeField(_("成果方答复时间"), null=True, blank=True)
    technology_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    technology_answer_note = models.TextField(_("成果方答复说明"), blank=True, max_length=2000)
    conversation_opened_at = models.DateTimeField(_("对接沟通开启时间"), null=True, blank=True)

    # 成交: the match's row of the deal ledger (bidding.Deal) — its own (source "match") or,
    # when the pair also went through a bid, the bid's, so the deal counts once.
    deal = models.ForeignKey(
        "bidding.Deal",
        verbose_name=_("成交"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )

    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接推荐")
        verbose_name_plural = _("对接推荐")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "technology"],
                name="one_match_per_pair",
                violation_error_message=_("该需求与成果的对接推荐已存在。"),
            ),
        ]
        indexes = [models.Index(fields=["state", "score"], name="match_queue_idx")]

    def __str__(self) -> str:
        return f"{self.demand.title} ↔ {self.technology.title}"

    def clean(self) -> None:
        if self.demand_id and self.technology_id:
            if self.demand.organisation_id == self.technology.organisation_id:
                raise ValidationError(_("需求与成果属于同一单位，不能推荐对接。"))

    def answer_of(self, side: str) -> str:
        return getattr(self, f"{side}_answer")

    def note_to(self, side: str) -> str:
        return getattr(self, f"note_to_{side}")

    def organisation_id_of(self, side: str) -> int:
        return (
            self.demand.organisation_id if side == Side.DEMAND else self.technology.organisation_id
        )

    @property
    def is_mutual(self) -> bool:
        return (
            self.demand_answer == MatchAnswer.INTERESTED
            and self.technology_answer == MatchAnswer.INTERESTED
        )

    @property
    def is_conversation_open(self) -> bool:
        return self.conversation_opened_at is not None

    @property
    def has_deal(self) -> bool:
        return self.deal_id is not None

    @property
    def stage(self) -> str:
        """The furthest funnel stage: proposed, dismissed, recommended, interested or deal."""
        if self.has_deal:
            return "deal"
        if self.is_conversation_open:
            return "interested"
        return self.state


class MatchMessage(models.Model):
    """A message in the conversation the two organisations (and curators) hold about a match."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty for a curator writing for the platform.
    author_side = models.CharField(_("发言方"), max_length=16, choices=Side.choices, blank=True)
    body = models.TextField(_("内容"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("对接沟通")
        verbose_name_plural = _("对接沟通")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class ListingCoverage(models.Model):
    """What the last engine run found for one public listing: its best counterpart.

    ``propose_matches`` writes one row per listing it scanned, so the supply–demand
    gap can count "no counterpart matching above the threshold" without running the
    engine while a curator waits. ``best_score`` is the match percentage of the best
    counterpart sharing at least one key term (empty when none does); the threshold is
    applied when the figures are read, so changing it needs no new run.
    """

    page = models.OneToOneField(
        "wagtailcore.Page",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="match_coverage",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Side.choices)
    best_score = models.FloatField(_("最佳匹配度"), null=True, blank=True)
    best_counterpart = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("最佳匹配项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scanned_at = models.DateTimeField(_("测算时间"), db_index=True)

    class Meta:
        verbose_name = _("匹配覆盖")
        verbose_name_plural = _("匹配覆盖")

    def __str__(self) -> str:
        return f"{self.page_id}: {self.best_score}"
