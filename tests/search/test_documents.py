import datetime as dt

import pytest

from search.documents import ListingDocument, budget_band


def test_from_dict_coerces_and_ignores_unknown_keys():
    doc = ListingDocument.from_dict(
        {
            "kind": "demand",
            "id": 7,
            "title": "题",
            "keywords": "甲，乙",
            "budget": "500000",
            "deadline": "2030-01-02T00:00:00",
            "cooperation_modes": ("a", ""),
            "colour": "red",
        }
    )
    assert doc.id == "7"
    assert doc.keywords == ["甲", "乙"]
    assert doc.budget == 500_000
    assert doc.deadline == dt.date(2030, 1, 2)
    assert doc.cooperation_modes == ["a"]


def test_round_trip_through_dict():
    doc = ListingDocument(
        kind="technology", id="x", title="t", deadline=dt.date(2030, 1, 1), budget=3
    )
    assert ListingDocument.from_dict(doc.to_dict()) == doc


@pytest.mark.parametrize("bad", [{"kind": "page", "id": 1}, {"kind": "demand"}])
def test_from_dict_rejects_missing_kind_or_id(bad):
    with pytest.raises(ValueError):
        ListingDocument.from_dict(bad)


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (None, "negotiable"),
        (0, "lt100k"),
        (100_000, "100k-500k"),
        (999_999, "500k-1m"),
        (6_000_000, "gte5m"),
    ],
)
def test_budget_bands(amount, band):
    assert budget_band(amount) == band
