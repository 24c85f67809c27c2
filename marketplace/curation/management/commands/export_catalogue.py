"""manage.py export_catalogue --kind demand|technology|bids|deals --out FILE.xlsx"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from marketplace.curation.services import EXPORT_KINDS, catalogue_export


class Command(BaseCommand):
    help = "导出技术需求目录、科技成果目录、揭榜或成交记录为 .xlsx（目录与导入模板格式一致）。"

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=EXPORT_KINDS)
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *args, **options):
        out = Path(options["out"])
        out.write_bytes(catalogue_export(kind=options["kind"]))
        self.stdout.write(f"已导出到 {out}")
