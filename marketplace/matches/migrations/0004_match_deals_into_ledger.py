"""Copy each recorded match deal into the deal ledger (bidding.Deal, source "match").

A match already linked to a bid's deal (the pair also went through a bid) keeps that row:
the deal counts once; the curator's signing date and note complete the bid's row, and its
amount fills the row only when the award had none. Every other recorded match deal gets a
ledger row of its own: the demand's owner buys, the technology's owner sells.
"""

from django.db import migrations


def match_deals_into_ledger(apps, schema_editor):
    Match = apps.get_model("matches", "Match")
    Deal = apps.get_model("bidding", "Deal")
    recorded = Match.objects.filter(deal_recorded_at__isnull=False).select_related(
        "demand", "technology", "deal"
    )
    for match in recorded.order_by("pk"):
        note = match.deal_note or ""
        if match.deal_id:
            deal = match.deal
            if deal.amount is None:
                deal.amount = match.deal_amount
            deal.signed_on = deal.signed_on or match.deal_signed_on
            if note and note not in deal.note:
                deal.note = f"{deal.note}\n{note}".strip()
            if deal.status == "recorded":
                deal.status = "signed"
            deal.save(update_fields=["amount", "signed_on", "note", "status"])
            continue
        deal = Deal.objects.create(
            source="match",
            demand_id=match.demand_id,
            technology_id=match.technology_id,
            buyer_id=match.demand.organisation_id,
            seller_id=match.technology.organisation_id,
            amount=match.deal_amount,
            awarded_on=match.deal_signed_on,
            signed_on=match.deal_signed_on,
            status="signed",
            note=note,
            recorded_by_id=match.deal_recorded_by_id,
        )
        Match.objects.filter(pk=match.pk).update(deal=deal)


class Migration(migrations.Migration):
    dependencies = [("matches", "0003_match_deal_ledger")]

    operations = [migrations.RunPython(match_deals_into_ledger, migrations.RunPython.noop)]
