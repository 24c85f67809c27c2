"""The match's deal moves into the deal ledger (bidding.Deal): ``bid_deal`` becomes ``deal``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matches", "0002_listing_coverage"),
        ("bidding", "0004_deal_ledger_required"),
    ]

    operations = [
        migrations.RenameField(model_name="match", old_name="bid_deal", new_name="deal"),
        migrations.AlterField(
            model_name="match",
            name="deal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="matches",
                to="bidding.deal",
                verbose_name="成交",
            ),
        ),
    ]
