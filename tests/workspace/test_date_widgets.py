"""Every date a member or curator edits renders as ISO, the only value a browser's date
input accepts: the zh-hans default (2027/03/04) shows an empty box and is lost on save."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from cms.forms import DATE_WIDGET, DATETIME_WIDGET
from marketplace.bidding.forms import MilestoneForm
from marketplace.curation.dashboard import DashboardFilterForm
from marketplace.curation.event_views import EventForm
from marketplace.matches.forms import DealForm
from marketplace.organisations.forms import EnterpriseTierForm

DAY = datetime.date(2027, 3, 4)


def _widgets():
    yield "milestone", MilestoneForm.base_fields["due_date"].widget
    yield "event", EventForm._meta.widgets["date"]
    yield "deal", DealForm.base_fields["signed_on"].widget
    yield "tier certified", EnterpriseTierForm._meta.widgets["certified_on"]
    yield "tier expires", EnterpriseTierForm._meta.widgets["expires_on"]
    yield "curator filter", DashboardFilterForm.base_fields["date_from"].widget
    yield "listing deadline", DATE_WIDGET


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name, widget", list(_widgets()), ids=[n for n, _ in _widgets()])
def test_date_inputs_render_iso(language, name, widget):
    with translation.override(language):
        html = widget.render("d", DAY)
    assert 'type="date"' in html and 'value="2027-03-04"' in html, html


def test_listing_bid_deadline_renders_for_datetime_local():
    with translation.override("zh-hans"):
        html = DATETIME_WIDGET.render("d", datetime.datetime(2027, 3, 4, 17, 30))
    assert re.search(r'value="2027-03-04T17:30"', html), html
