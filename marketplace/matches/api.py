"""/api/v1/matches/: matches recommended to the caller's organisations, and the answer action."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.api.input import JSONInputSerializer

from . import selectors, services
from .models import Match, MatchAnswer, Side
from .permissions import sides_of


class ListingSummarySerializer(serializers.Serializer):
    """A listing's public fields only."""

    kind = serializers.CharField(help_text="demand or technology")
    id = serializers.IntegerField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())
    industry_chain = serializers.CharField()
    technology_field = serializers.CharField()
    district = serializers.CharField()
    status = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField(
        help_text="Public page path; empty once the listing is no longer public"
    )


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    """A recommended match as one side sees it: the other party's public fields and the note to us."""

    id = serializers.IntegerField(source="match.pk")
    side = serializers.CharField(help_text="The caller's side of the match: demand or technology")
    own_listing = ListingSummarySerializer(source="own")
    counterpart = ListingSummarySerializer()
    score = serializers.FloatField(
        source="match.score",
        allow_null=True,
        help_text="0–100; null for a pair a curator proposed by hand",
    )
    explanation = serializers.CharField(source="match.explanation")
    shared_terms = serializers.ListField(child=serializers.CharField(), source="match.shared_terms")
    criteria = CriterionSerializer(many=True, source="match.criteria")
    note = serializers.CharField(help_text="The curator's note to the caller's side")
    answer = serializers.ChoiceField(choices=MatchAnswer.choices)
    answered_at = serializers.DateTimeField(allow_null=True)
    conversation_open = serializers.BooleanField(
        source="match.is_conversation_open", help_text="Both sides are interested"
    )
    recommended_at = serializers.DateTimeField(source="match.decided_at")
    deal_recorded = serializers.BooleanField(source="match.has_deal")


class AnswerSerializer(JSONInputSerializer):
    answer = serializers.ChoiceField(
        choices=MatchAnswer.choices, help_text="interested or not_interested"
    )
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Seen by curators only",
    )
    side = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="demand or technology; needed only by a member of both organisations",
    )

    def validate_answer(self, value: str) -> str:
        if value == MatchAnswer.PENDING:
            raise ValidationError("Answer interested or not_interested.")
        return value

    def validate_side(self, value: str | None) -> str | None:
        if value not in (None, "", *Side.values):
            raise ValidationError("demand or technology")
        return value or None


@extend_schema_view(
    list=extend_schema(summary="Matches recommended to my organisations (one row per side)"),
    retrieve=extend_schema(summary="One match recommended to my organisation"),
)
class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """对接推荐: read what curators recommended to my organisations and answer it."""

    lookup_value_converter = "dbid"  # marketplace/converters.py: ids the database can hold

    serializer_class = MatchSerializer
    permission_classes = [IsAuthenticated]
    queryset = Match.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        return selectors.match_list_for_user(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return (
            None
            if page is None
            else selectors.side_views_for_user(user=self.request.user, matches=page)
        )

    def get_object(self):
        try:
            return selectors.match_get_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (Http404, ValueError):
            raise NotFound from None

    def retrieve(self, request, pk=None):
        return Response(self._view(self.get_object()))

    def _view(self, match: Match, side: str | None = None) -> dict:
        side = side or sides_of(self.request.user, match)[0]
        return MatchSerializer(selectors.side_view(match, side)).data

    @extend_schema(
        request=AnswerSerializer,
        responses=MatchSerializer,
        summary="Answer interested / not interested for my organisation",
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        match = self.get_object()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            match = services.match_answer(
                match=match,
                user=request.user,
                note=d["note"],
                side=d["side"],
                interested=d["answer"] == MatchAnswer.INTERESTED,
            )
        except PermissionDenied:
            raise NotFound from None
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        side = d["side"] or sides_of(request.user, match)[0]
        return Response(
            self._view(selectors.match_get_for_user(user=request.user, pk=match.pk), side)
        )
