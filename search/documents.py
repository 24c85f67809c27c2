"""The search document: one listing (demand or technology) as the index sees it.

Backends receive :class:`ListingDocument` instances and never see Django
models. ``ListingDocument.from_dict`` builds one from a plain dict (unknown
keys ignored, loose types coerced), which is what the loaders, ``match_eval``
and the tests use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from html import unescape
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

from cms.lifecycle import LISTING_KINDS
from cms.stages import STAGE_RANK, Stage

Kind = Literal["demand", "technology"]  # cms.lifecycle.ListingKind, for type hints
KINDS: tuple[Kind, ...] = LISTING_KINDS  # type: ignore[assignment]

# One vocabulary for maturity (cms.stages.Stage): a technology's stage and the
# stage a demand asks for (DemandPage.required_stage) are indexed as they are,
# and a technology meets a demand's need when its rank is at least the one asked.
MATURITY_LEVELS: tuple[tuple[str, Any], ...] = tuple(Stage.choices)
MATURITY_RANK = STAGE_RANK

# Budget / price bands in yuan: (code, lower bound inclusive, label).
BUDGET_BANDS: tuple[tuple[str, int, Any], ...] = (
    ("lt100k", 0, _("10万元以下")),
    ("100k-500k", 100_000, _("10–50万元")),
    ("500k-1m", 500_000, _("50–100万元")),
    ("1m-5m", 1_000_000, _("100–500万元")),
    ("gte5m", 5_000_000, _("500万元以上")),
)
NEGOTIABLE_BAND = "negotiable"

# Facet fields: keyword values a catalogue can be filtered and counted by.
FACET_FIELDS: tuple[str, ...] = (
    "kind",
    "industry_chain",
    "tech_field",
    "district",
    "maturity",
    "cooperation_modes",
    "budget_band",
    "status",
    "organisation_id",
)
RANGE_FIELDS: tuple[str, ...] = ("budget", "deadline")


def budget_band(amount: int | None) -> str:
    """Return the band code of an amount in yuan (``negotiable`` when unknown)."""
    if amount is None:
        return NEGOTIABLE_BAND
    code = BUDGET_BANDS[0][0]
    for band_code, lower, _label in BUDGET_BANDS:
        if amount >= lower:
            code = band_code
    return code


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(slots=True)
class ListingDocument:
    """A demand or technology listing flattened for indexing and matching."""

    kind: Kind
    id: str
    title: str = ""
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    body: str = ""
    industry_chain: str = ""
    tech_field: str = ""
    district: str = ""
    maturity: str = ""
    cooperation_modes: list[str] = field(default_factory=list)
    budget: int | None = None
    status: str = ""
    deadline: dt.date | None = None
    organisation_id: str = ""
    organisation_name: str = ""
    #: What the listing looked like in the database when this document was
    #: made (:func:`listing_version`); reconciliation compares it with the rows.
    version: str = ""

    @property
    def key(self) -> str:
        """Return the unique index key, ``kind:id``."""
        return f"{self.kind}:{self.id}"

    @property
    def budget_band(self) -> str:
        """Return the band code of the budget (demand) or asking price (technology)."""
        return budget_band(self.budget)

    def full_text(self) -> str:
        """Return every text field joined, as analysed for more-like-this."""
        parts = [self.title, " ".join(self.keywords), self.summary, self.body]
        return "\n".join(p for p in parts if p)

    def facet_values(self, name: str) -> list[str]:
        """Return the keyword values of facet ``name`` (empty when unset)."""
        if name == "budget_band":
            return [self.budget_band]
        value = getattr(self, name)
        if isinstance(value, list):
            return [v for v in value if v]
        return [str(value)] if value not in (None, "") else []

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict that ``from_dict`` reads back."""
        # Not dataclasses.asdict: its recursive deep copy dominated indexing time.
        data = {name: getattr(self, name) for name in _FIELD_ORDER}
        data["keywords"] = list(self.keywords)
        data["cooperation_modes"] = list(self.cooperation_modes)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListingDocument:
        """Build a document from a plain dict, ignoring unknown keys."""
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if data.get("id") in (None, ""):
            raise ValueError("a listing document needs an id")
        values = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        values["id"] = str(values["id"])
        values["keywords"] = _as_list(values.get("keywords"))
        values["cooperation_modes"] = _as_list(values.get("cooperation_modes"))
        values["budget"] = _as_int(values.get("budget"))
        values["deadline"] = _as_date(values.get("deadline"))
        for name in ("organisation_id", "title", "summary", "body", "version"):
            if values.get(name) is None:
                values.pop(name, None)
            elif name in values:
                values[name] = str(values[name])
        return cls(**values)


_FIELD_ORDER = tuple(f.name for f in fields(ListingDocument))
_FIELD_NAMES = frozenset(_FIELD_ORDER)


def documents_from_dicts(
    rows: Iterable[Mapping[str, Any]], kind: Kind | None = None
) -> Iterable[ListingDocument]:
    """Yield documents from plain dicts, setting ``kind`` where a row lacks it."""
    for row in rows:
        if kind is not None and "kind" not in row:
            row = {**row, "kind": kind}
        yield ListingDocument.from_dict(row)


# -- Wagtail pages ----------------------------------------------------------------

# The end of a block element in rich text: a line break there, which neither
# segmentation nor bigrams cross (<p>甲</p><p>乙</p> is not the bigram 甲乙).
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|div|tr|pre)\s*>|<(?:br|hr)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def _plain(html: str | None) -> str:
    """Return the text of a rich-text value for the index: tags out, entities decoded.

    Index text only (never rendered): what is shown is escaped again. Not
    ``strip_tags`` nor Wagtail's ``get_text_for_indexing`` (built on it): its
    HTML parser dominated bulk mapping, and it joins paragraphs with a space.
    """
    if not html:
        return ""
    if "<" in html:
        html = _TAG.sub("", _BLOCK_END.sub("\n", html))
    return unescape(html).strip() if "&" in html else html.strip()


def _slugs(manager) -> list[str]:
    return [item.slug for item in manager.all()]


def _common_fields(page) -> dict[str, Any]:
    return {
        "id": str(page.pk),
        "title": page.title,
        "keywords": page.keyword_list,
        "industry_chain": page.industry_chain.slug if page.industry_chain_id else "",
        "tech_field": page.technology_field.slug if page.technology_field_id else "",
        "district": page.district or "",
        "cooperation_modes": _slugs(page.cooperation_modes),
        "status": page.status,
        "organisation_id": str(page.organisation_id),
        "organisation_name": page.organisation.name if page.organisation_id else "",
    }


def document_from_demand(page) -> ListingDocument:
    """Return the document of a ``cms.DemandPage`` (public fields only, never confidential ones)."""
    from django.utils import timezone

    indicators = [f"{i.name} {i.target_value}{i.unit}" for i in page.indicators.all()]
    body = [
        page.current_state,
        page.benchmark,
        page.expected_outcome,
        page.application_scenario,
        *indicators,
    ]
    deadline = timezone.localtime(page.bid_deadline).date() if page.bid_deadline else None
    budget = None if page.budget_kind == "negotiable" else (page.budget_max or page.budget_min)
    return ListingDocument(
        kind="demand",
        summary=_plain(page.problem),
        body="\n".join(b for b in body if b),
        maturity=page.required_stage or "",
        budget=budget,
        deadline=deadline,
        version=page_version(page, "demand"),
        **_common_fields(page),
    )


def document_from_technology(page) -> ListingDocument:
    """Return the document of a ``cms.TechnologyPage`` (public fields only)."""
    body = [_plain(page.description), page.indicators, page.application_scenarios, page.advantages]
    budget = page.asking_price if page.price_kind == "fixed" else None
    return ListingDocument(
        kind="technology",
        summary=page.summary or "",
        body="\n".join(b for b in body if b),
        maturity=page.stage or "",
        budget=budget,
        version=page_version(page, "technology"),
        **_common_fields(page),
    )


def page_kind(page) -> Kind | None:
    """Return the listing kind of a page (specific or not), or None for other pages."""
    from cms.lifecycle import kind_of

    return kind_of(page)


def is_indexable(page) -> bool:
    """Return whether a listing page belongs in the public index (live and public)."""
    return bool(page.live and page.is_public)


def document_from_page(page) -> ListingDocument:
    """Return the search document of a demand or technology page."""
    page = page.specific
    kind = page_kind(page)
    if kind == "demand":
        return document_from_demand(page)
    if kind == "technology":
        return document_from_technology(page)
    raise ValueError(f"{type(page).__name__} is not a listing page")


def public_listings(kind: Kind):
    """Return the live pages of ``kind`` in a public lifecycle state, nothing related loaded."""
    from cms import lifecycle

    return lifecycle.listing_model(kind).objects.filter(lifecycle.public_q(kind))


def listing_queryset(kind: Kind):
    """Return the live public pages of ``kind`` with what the mapping reads prefetched."""
    queryset = (
        public_listings(kind)
        .select_related("organisation", "industry_chain", "technology_field")
        .prefetch_related("cooperation_modes")
    )
    if kind == "demand":
        queryset = queryset.prefetch_related("indicators")
    return queryset.order_by("pk")


# -- versions, for reconciliation -------------------------------------------------

#: Bump when the page → document mapping changes: every indexed document then
#: differs from its listing's version, and reconciliation re-indexes it.
DOCUMENT_FORMAT = "2"  # 2: one maturity vocabulary (cms.stages), demands carry theirs

# What a listing's version is made of, read by one values() query, no page
# loads: the live revision (every publish: texts, indicators, cooperation
# modes), the lifecycle status (services change it with a queryset update),
# the organisation's name (renamed without touching its pages), the taxonomy
# slugs, and the small indexed columns a plain save() can change.
_VERSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "common": (
        "live_revision_id",
        "status",
        "title",
        "keywords",
        "district",
        "organisation_id",
        "organisation__name",
        "industry_chain__slug",
        "technology_field__slug",
    ),
    "demand": ("bid_deadline", "budget_kind", "budget_min", "budget_max", "required_stage"),
    "technology": ("stage", "price_kind", "asking_price"),
}
# Long texts count by their length, which the database computes without
# sending them: an edit saved without a revision still changes the version
# unless it keeps the length exactly.
_VERSION_TEXTS: dict[str, tuple[str, ...]] = {
    "demand": (
        "problem",
        "current_state",
        "benchmark",
        "expected_outcome",
        "application_scenario",
    ),
    "technology": ("summary", "description", "indicators", "application_scenarios", "advantages"),
}


def _version_columns(kind: Kind) -> tuple[str, ...]:
    return _VERSION_COLUMNS["common"] + _VERSION_COLUMNS[kind]


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def listing_version(kind: Kind, values: Iterable[Any]) -> str:
    """Return the version of a listing from its version columns' values, in order."""
    payload = json.dumps(
        [DOCUMENT_FORMAT, kind, *map(_canonical, values)], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


def _page_value(page, path: str) -> Any:
    value = page
    for name in path.split("__"):
        value = getattr(value, name)
        if value is None:
            return None
    return value


def page_version(page, kind: Kind) -> str:
    """Return the version of a loaded listing page (what :func:`listing_versions` reads for it)."""
    values = [_page_value(page, c) for c in _version_columns(kind)]
    values.extend(len(getattr(page, name) or "") for name in _VERSION_TEXTS[kind])
    return listing_version(kind, values)


def listing_versions(kind: Kind) -> dict[str, str]:
    """Return ``{id: version}`` of every live public listing of ``kind`` (one query)."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce, Length

    lengths = {f"_len_{name}": Length(Coalesce(name, Value(""))) for name in _VERSION_TEXTS[kind]}
    rows = (
        public_listings(kind)
        .annotate(**lengths)
        .order_by()
        .values_list("pk", *_version_columns(kind), *lengths)
    )
    return {str(row[0]): listing_version(kind, row[1:]) for row in rows.iterator(chunk_size=2000)}
