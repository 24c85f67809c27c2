"""manage.py seed_demo: fill an empty database with realistic Jinan demo data."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.demo.builder import (
    BULK_THRESHOLD,
    DEMAND_WEIGHTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    TECHNOLOGY_WEIGHTS,
    DemoSeeder,
)

ALLOW_ENV = "JIEBANG_ALLOW_SEED_DEMO"
SAFE_SETTINGS = {"dev", "test"}
DEFAULT_SIZE = 500


def seeding_refusal(
    *, production: bool, debug: bool, settings_module: str, allow_env: str = ""
) -> str:
    """Why demo data may not be written here, or "" when it may.

    Production settings always refuse. Otherwise seeding needs a sign that this is not
    a live site: DEBUG on, the project's own dev or test settings, or an explicit
    ``JIEBANG_ALLOW_SEED_DEMO=1`` (a benchmark machine running with DEBUG off).
    """
    if production:
        return "生产环境配置（JIEBANG_PRODUCTION）下禁止写入演示数据。"
    if debug or settings_module.rsplit(".", 1)[-1] in SAFE_SETTINGS:
        return ""
    if allow_env.strip() in {"1", "true", "yes"}:
        return ""
    return (
        f"DEBUG 已关闭且配置模块 {settings_module or '(未知)'} 不是开发/测试配置；"
        f"如确需在此写入演示数据，请设置环境变量 {ALLOW_ENV}=1。"
    )


def database_is_empty() -> bool:
    from cms.models import DemandPage, TechnologyPage
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Organisation

    return not (
        DemandPage.objects.exists()
        or TechnologyPage.objects.exists()
        or Organisation.objects.exists()
        or User.objects.filter(email__in=DEMO_LOGINS.values()).exists()
    )


class Command(BaseCommand):
    help = "Fill an empty database with realistic Jinan demo data and three demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            type=int,
            default=DEFAULT_SIZE,
            help=f"total listings, ~40%% demands / 60%% technologies (default {DEFAULT_SIZE})",
        )
        parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (exit 0) when the database already has data",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--bulk",
            dest="bulk",
            action="store_true",
            default=None,
            help=f"bulk-insert pages (default above {BULK_THRESHOLD} listings)",
        )
        mode.add_argument(
            "--no-bulk",
            dest="bulk",
            action="store_false",
            help="create every page through Wagtail (revisions, publish)",
        )

    def handle(self, *args, size, seed, if_empty, bulk, **options):
        refusal = seeding_refusal(
            production=getattr(settings, "JIEBANG_PRODUCTION", False),
            debug=settings.DEBUG,
            # override_settings() hides SETTINGS_MODULE (None); the environment still has it.
            settings_module=getattr(settings, "SETTINGS_MODULE", None)
            or os.environ.get("DJANGO_SETTINGS_MODULE", ""),
            allow_env=os.environ.get(ALLOW_ENV, ""),
        )
        if refusal:
            raise CommandError(refusal)
        minimum = len(DEMAND_WEIGHTS) + len(TECHNOLOGY_WEIGHTS)
        if size < minimum:
            raise CommandError(f"--size 至少为 {minimum}，才能覆盖每一种状态。")
        if not database_is_empty():
            if if_empty:
                return
            raise CommandError(
                "数据库中已有单位或项目，seed_demo 只向空数据库写入演示数据。"
                "如需重建，请先清空数据目录（make clean-data）后重新 migrate。"
            )
        started = time.perf_counter()
        seeder = DemoSeeder(
            size=size,
            seed=seed,
            bulk_mode=bulk,
            progress=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None,
        )
        summary = seeder.run()
        self._report(summary, time.perf_counter() - started)

    def _report(self, summary, seconds: float) -> None:
        from cms.lifecycle import DemandStatus, TechnologyStatus

        write = self.stdout.write
        path = "批量写入" if summary.bulk else "逐页创建（含修订与发布）"
        write(self.style.SUCCESS(f"演示数据已写入：{path}，用时 {seconds:.1f} 秒。"))
        orgs = summary.organisations
        write(
            f"单位：企业 {orgs['enterprise']}，高校 {orgs['university']}，"
            f"科研院所 {orgs['institute']}"
        )
        for title, counts, labels in (
            ("技术需求", summary.demands, DemandStatus),
            ("科技成果", summary.technologies, TechnologyStatus),
        ):
            detail = "，".join(f"{label} {counts[value]}" for value, label in labels.choices)
            write(f"{title} {sum(counts.values())} 项：{detail}")
        for line in summary.extra:
            write(line)
        if summary.bulk:
            write(
                "批量写入的页面未触发信号：请运行 manage.py rebuild_index（平台搜索）"
                "和 manage.py update_index（后台搜索）。"
            )
        write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for role, label in (
            ("enterprise", "企业用户"),
            ("research", "高校/院所用户"),
            ("curator", "平台审核员（可进入 /admin/）"),
        ):
            write(f"  {DEMO_LOGINS[role]:<24} {label}")
