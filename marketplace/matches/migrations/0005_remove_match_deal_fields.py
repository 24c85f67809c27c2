"""The match's own deal fields are gone: the ledger row (``deal``) holds the deal."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("matches", "0004_match_deals_into_ledger")]

    operations = [
        migrations.RemoveConstraint(model_name="match", name="match_deal_has_amount_and_date"),
        migrations.RemoveField(model_name="match", name="deal_amount"),
        migrations.RemoveField(model_name="match", name="deal_signed_on"),
        migrations.RemoveField(model_name="match", name="deal_note"),
        migrations.RemoveField(model_name="match", name="deal_recorded_at"),
        migrations.RemoveField(model_name="match", name="deal_recorded_by"),
    ]
