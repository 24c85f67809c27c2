import pytest

from marketplace.bidding.services import bid_award

pytestmark = pytest.mark.django_db


def test_curator_completes_deal_in_admin(client, curator, submitted_bid, enterprise_member):
    bid_award(user=enterprise_member, bid=submitted_bid)
    client.force_login(curator)
    assert client.get("/admin/snippets/bidding/deal/").status_code == 200
    deal = submitted_bid.deal
    assert client.get(f"/admin/snippets/bidding/deal/edit/{deal.pk}/").status_code == 200
    assert client.get("/admin/snippets/bidding/accesslogentry/").status_code == 200


def test_owner_cannot_ask_on_own_demand(demand, enterprise_member):
    from django.core.exceptions import ValidationError

    from marketplace.bidding.services import question_ask

    with pytest.raises(ValidationError):
        question_ask(user=enterprise_member, demand=demand, question="自问自答")
