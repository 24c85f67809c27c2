"""Fill the ledger fields of the deals recorded before the ledger: parties, listing, source.

A bid on a demand: the demand's owner buys, the bidder sells. A take-up request on a
technology: the bidder buys, the technology's owner sells. A contract registration number
kept on the old deal moves into its note (the contract itself now has its own record).
"""

from django.db import migrations


def fill_deal_parties(apps, schema_editor):
    Deal = apps.get_model("bidding", "Deal")
    for deal in Deal.objects.select_related(
        "bid", "bid__demand", "bid__technology"
    ).filter(bid__isnull=False):
        bid = deal.bid
        deal.source = "bid"
        if bid.kind == "demand":
            deal.demand_id = bid.demand_id
            deal.buyer_id, deal.seller_id = bid.demand.organisation_id, bid.organisation_id
        else:
            deal.technology_id = bid.technology_id
            deal.buyer_id, deal.seller_id = bid.organisation_id, bid.technology.organisation_id
        if deal.contract_number:
            line = f"合同登记编号：{deal.contract_number}"
            deal.note = f"{deal.note}\n{line}".strip() if deal.note else line
        deal.save(
            update_fields=["source", "demand", "technology", "buyer", "seller", "note"]
        )


class Migration(migrations.Migration):
    dependencies = [("bidding", "0002_deal_ledger")]

    operations = [migrations.RunPython(fill_deal_parties, migrations.RunPython.noop)]
