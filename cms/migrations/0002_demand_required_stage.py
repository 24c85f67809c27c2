from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="demandpage",
            name="required_stage",
            field=models.CharField(
                blank=True,
                choices=[
                    ("lab", "实验室"),
                    ("small_pilot", "小试"),
                    ("pilot", "中试"),
                    ("mature", "成熟应用"),
                ],
                help_text="揭榜成果至少应达到的阶段；不限则留空",
                max_length=16,
                verbose_name="成果成熟度要求",
            ),
        ),
    ]
