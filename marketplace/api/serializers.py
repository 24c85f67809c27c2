"""Serializers of the public catalogue: every field is listed explicitly, public ones only.

Confidential details and private attachments are never declared here, so no caller,
owner or curator included, can get them through the API. Contact details appear only
in the detail views and only for callers ``cms.permissions.can_view_contact`` admits.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from cms.models import (
    Attribute,
    BudgetKind,
    DemandIndicator,
    DemandPage,
    DemandStatus,
    EvidenceKind,
    IPOwnership,
    IPStatus,
    IPType,
    Level,
    ListingPage,
    PriceKind,
    Stage,
    TechnologyIP,
    TechnologyPage,
    TechnologyStatus,
)
from cms.permissions import can_view_contact
from marketplace.organisations.districts import District
from marketplace.organisations.models import Organisation


def public_attachments(listing: ListingPage) -> list:
    """The listing's public attachments, from the view's prefetch when it made one."""
    prefetched = getattr(listing, "public_attachments", None)
    if prefetched is not None:
        return prefetched
    return [item for item in listing.attachments.all() if item.is_public]


class CodeLabelSerializer(serializers.Serializer):
    """A coded value with its label in the request's language."""

    code = serializers.CharField()
    label = serializers.CharField()


@extend_schema_field(CodeLabelSerializer)
class CodeLabelField(serializers.Field):
    """Shows a ``TextChoices`` value as ``{"code", "label"}``; blank values as null."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if value in (None, ""):
            return None
        return {"code": value, "label": str(self.labels.get(value, value))}


class RichTextHTMLField(serializers.CharField):
    """Wagtail rich text rendered to front-end HTML (internal links expanded)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return expand_db_html(value or "")


class TaxonomySerializer(serializers.Serializer):
    """An entry of a taxonomy (industry chain, technology field, cooperation mode)."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class OrganisationSummarySerializer(serializers.ModelSerializer):
    """The owner organisation of a listing, public fields only."""

    kind = CodeLabelField(Organisation.Kind.choices)
    district = CodeLabelField(District.choices)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "district"]
        read_only_fields = fields


class ContactSerializer(serializers.Serializer):
    """A listing's contact person and details."""

    name = serializers.CharField(source="contact_name", read_only=True)
    phone = serializers.CharField(source="contact_phone", read_only=True)
    email = serializers.CharField(source="contact_email", read_only=True)


class AttachmentSerializer(serializers.Serializer):
    """A public attachment, linked through the permission-checked download view."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    kind_slug = "demand"

    def get_url(self, obj) -> str:
        path = reverse("cms:attachment", kwargs={"kind": self.kind_slug, "pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DemandAttachmentSerializer(AttachmentSerializer):
    """A public attachment of a demand."""


class TechnologyAttachmentSerializer(AttachmentSerializer):
    """A public evidence attachment of a technology, with its kind."""

    kind_slug = "technology"
    kind = CodeLabelField(EvidenceKind.choices)


class DemandIndicatorSerializer(serializers.ModelSerializer):
    """核心技术指标: one quantified target of a demand."""

    class Meta:
        model = DemandIndicator
        fields = ["name", "target_value", "unit", "verification"]
        read_only_fields = fields


class TechnologyIPSerializer(serializers.ModelSerializer):
    """One item of intellectual property behind a technology."""

    ip_type = CodeLabelField(IPType.choices)
    status = CodeLabelField(IPStatus.choices)

    class Meta:
        model = TechnologyIP
        fields = ["ip_type", "number", "title", "status"]
        read_only_fields = fields


class ListingSummarySerializer(serializers.ModelSerializer):
    """Fields shared by both catalogues' list items."""

    url = serializers.SerializerMethodField(help_text=_("页面公开地址"))
    keywords = serializers.ListField(
        source="keyword_list", child=serializers.CharField(), read_only=True
    )
    organisation = OrganisationSummarySerializer(read_only=True)
    industry_chain = TaxonomySerializer(read_only=True, allow_null=True)
    technology_field = TaxonomySerializer(read_only=True, allow_null=True)
    cooperation_modes = TaxonomySerializer(many=True, read_only=True)
    district = CodeLabelField(District.choices, allow_null=True)

    common_fields = [
        "id",
        "title",
        "url",
        "keywords",
        "organisation",
        "industry_chain",
        "technology_field",
        "district",
        "status",
        "cooperation_modes",
        "first_published_at",
    ]

    def get_url(self, obj: ListingPage) -> str | None:
        return obj.get_full_url(request=self.context.get("request"))


class ContactMixin(serializers.Serializer):
    """Adds ``contact``, filled only for callers ``can_view_contact`` admits."""

    contact = serializers.SerializerMethodField(
        help_text=_("联系人与联系方式；仅对已认证单位成员和平台审核人员返回，否则为 null")
    )

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, obj: ListingPage):
        request = self.context.get("request")
        if request is None or not can_view_contact(request.user, obj):
            return None
        return ContactSerializer(obj).data


class DemandSummarySerializer(ListingSummarySerializer):
    """A demand as a catalogue list item."""

    status = CodeLabelField(DemandStatus.choices)
    budget_kind = CodeLabelField(BudgetKind.choices)

    class Meta:
        model = DemandPage
        fields = ListingSummarySerializer.common_fields + [
            "bid_deadline",
            "budget_kind",
            "budget_min",
            "budget_max",
        ]
        read_only_fields = fields


class DemandDetailSerializer(ContactMixin, DemandSummarySerializer):
    """Every public field of a demand."""

    problem = RichTextHTMLField(help_text=_("主要技术问题（HTML）"))
    indicators = DemandIndicatorSerializer(many=True, read_only=True)
    ip_ownership = CodeLabelField(IPOwnership.choices)
    is_accepting_bids = serializers.BooleanField(read_only=True)
    attachments = serializers.SerializerMethodField(help_text=_("公开附件"))

    class Meta:
        model = DemandPage
        fields = DemandSummarySerializer.Meta.fields + [
            "last_published_at",
            "problem",
            "indicators",
            "current_state",
            "benchmark",
            "expected_outcome",
            "application_scenario",
            "delivery_deadline",
            "ip_ownership",
            "bidder_requirements",
            "winners_count",
            "sealed_bids",
            "is_accepting_bids",
            "attachments",
            "contact",
        ]
        read_only_fields = fields

    @extend_schema_field(DemandAttachmentSerializer(many=True))
    def get_attachments(self, obj: DemandPage):
        return DemandAttachmentSerializer(
            public_attachments(obj), many=True, context=self.context
        ).data


class TechnologySummarySerializer(ListingSummarySerializer):
    """A technology as a catalogue list item."""

    status = CodeLabelField(TechnologyStatus.choices)
    stage = CodeLabelField(Stage.choices)
    level = CodeLabelField(Level.choices)
    price_kind = CodeLabelField(PriceKind.choices)

    class Meta:
        model = TechnologyPage
        fields = ListingSummarySerializer.common_fields + [
            "summary",
            "stage",
            "trl",
            "level",
            "price_kind",
            "asking_price",
        ]
        read_only_fields = fields


class TechnologyDetailSerializer(ContactMixin, TechnologySummarySerializer):
    """Every public field of a technology."""

    description = RichTextHTMLField(help_text=_("技术说明（HTML）"))
    attribute = CodeLabelField(Attribute.choices)
    ip_items = TechnologyIPSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField(help_text=_("公开附件（证明材料）"))

    class Meta:
        model = TechnologyPage
        fields = TechnologySummarySerializer.Meta.fields + [
            "last_published_at",
            "description",
            "attribute",
            "indicators",
            "application_scenarios",
            "advantages",
            "ip_items",
            "team_lead",
            "team_members",
            "attachments",
            "contact",
        ]
        read_only_fields = fields

    @extend_schema_field(TechnologyAttachmentSerializer(many=True))
    def get_attachments(self, obj: TechnologyPage):
        return TechnologyAttachmentSerializer(
            public_attachments(obj), many=True, context=self.context
        ).data


# -- matches (issue 3) ------------------------------------------------------------------


class MatchCriterionSerializer(serializers.Serializer):
    """A structured compatibility criterion both listings meet."""

    code = serializers.CharField(
        read_only=True,
        help_text=_(
            "tech_field, industry_chain, maturity, cooperation_mode, budget, district, deadline"
        ),
    )
    label = serializers.CharField(read_only=True)


class MatchSerializer(serializers.Serializer):
    """One proposed counterpart listing with its score and the reasons for it."""

    score = serializers.FloatField(
        read_only=True, help_text=_("匹配分：文本相似度（最佳为 1）× (1 + 0.3 × 条件符合度)")
    )
    percent = serializers.IntegerField(read_only=True, help_text=_("匹配度，0–100"))
    explanation = serializers.CharField(read_only=True, help_text=_("可读的匹配理由"))
    shared_terms = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("共同关键词")
    )
    criteria = MatchCriterionSerializer(many=True, read_only=True, help_text=_("符合的条件"))


class TechnologyMatchSerializer(MatchSerializer):
    """A technology proposed for a demand (public fields only)."""

    listing = TechnologySummarySerializer(source="page", read_only=True)


class DemandMatchSerializer(MatchSerializer):
    """A demand proposed for a technology (public fields only)."""

    listing = DemandSummarySerializer(source="page", read_only=True)


class OrganisationMatchSerializer(serializers.Serializer):
    """An organisation proposed as a counterpart, scored by its best-fitting listing."""

    organisation = OrganisationSummarySerializer(read_only=True)
    score = serializers.FloatField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    listing_count = serializers.IntegerField(read_only=True, help_text=_("该单位相关项目数"))
    best_listing_id = serializers.IntegerField(source="best.page.pk", read_only=True)
    explanation = serializers.CharField(source="best.explanation", read_only=True)


class DemandMatchesSerializer(serializers.Serializer):
    """The technologies and research organisations that best fit a demand, best first."""

    results = TechnologyMatchSerializer(source="listings", many=True, read_only=True)
    organisations = OrganisationMatchSerializer(many=True, read_only=True)


class TechnologyMatchesSerializer(serializers.Serializer):
    """The demands and enterprises that best fit a technology, best first."""

    results = DemandMatchSerializer(source="listings", many=True, read_only=True)
    organisations = OrganisationMatchSerializer(many=True, read_only=True)
