"""manage.py import_catalogue FILE.xlsx --kind demand|technology [--dry-run] [--partial]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.lifecycle import LISTING_KINDS as KINDS
from marketplace.curation.services import catalogue_import
from marketplace.curation.workbook import WorkbookError


def _progress(iterable, **kwargs):
    return tqdm(iterable, leave=False, **kwargs)


class Command(BaseCommand):
    help = "导入技术需求或科技成果目录（.xlsx）。默认整批导入：任何一行有错则不导入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="目录工作簿（.xlsx）")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--partial", action="store_true", help="跳过有错误的行，导入其余行")
        parser.add_argument("--user", help="以该审核人员（邮箱）的名义导入并记入审计日志")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(email__iexact=options["user"]).first()
            if actor is None or not actor.is_curator:
                raise CommandError(f"{options['user']} 不是审核人员。")
        try:
            report = catalogue_import(
                source=str(path),
                kind=options["kind"],
                actor=actor,
                dry_run=options["dry_run"],
                partial=options["partial"],
                filename=path.name,
                progress=_progress,
            )
        except WorkbookError as exc:
            raise CommandError(f"{path.name}：{' '.join(exc.messages)}") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
        self._details(report)
        self.stdout.write(self._summary(report))
        if report.errors and not report.partial:
            raise CommandError(f"发现 {len(report.errors)} 处错误，未导入任何数据。")

    def _details(self, report) -> None:
        for warning in report.shown_warnings:
            self.stderr.write(self.style.WARNING(warning))
        if report.hidden_warnings:
            self.stderr.write(self.style.WARNING(f"……另有 {report.hidden_warnings} 条提示未列出。"))
        for error in report.shown_errors:
            self.stderr.write(str(error))
        if report.hidden_errors:
            self.stderr.write(
                f"……另有 {report.hidden_errors} 处错误未列出（共 {len(report.errors)} 处）。"
            )
        for organisation in report.new_organisations:
            flags = "；".join(
                f"{d.name}（{d.credit_code}，{d.reason}{'，未通过' if d.is_rejected else ''}）"
                for d in organisation.duplicates
            )
            line = f"新建单位（待审核）：{organisation.name}（{organisation.credit_code}）"
            self.stdout.write(line + (f"，可能重复：{flags}" if flags else ""))

    @staticmethod
    def _summary(report) -> str:
        verb = (
            "校验通过（试运行，未写入）"
            if report.dry_run
            else ("已导入" if report.committed else "未导入")
        )
        return (
            f"{verb}：共 {report.rows} 行，新增 {report.created}，更新 {report.updated}，"
            f"其中草稿（单位未认证，未发布）{report.drafts}，"
            f"新建单位（待审核）{report.organisations_created}，错误 {len(report.errors)} 处"
            f"（{report.error_rows} 行），跳过示例行 {report.skipped_examples}。"
        )
