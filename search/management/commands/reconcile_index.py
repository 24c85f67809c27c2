"""Compare the search index with the database's public listings and fix what differs."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from search.backends import get_search_backend
from search.documents import KINDS
from search.indexing import RECONCILE_BATCH, reconcile


class Command(BaseCommand):
    help = (
        "Find listings the search index misses, holds in an old version or holds though they "
        "are not public, and fix them (for cron; the reconcile_index task does the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="SEARCH_BACKENDS name")
        parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind")
        parser.add_argument("--dry-run", action="store_true", help="only count, change nothing")
        parser.add_argument(
            "--batch-size", type=int, default=RECONCILE_BATCH, help="listings per index commit"
        )
        parser.add_argument("--json", action="store_true", help="one JSON line per kind")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="only make sure the periodic reconcile_index task is queued",
        )

    def handle(self, *args, **opts):
        if opts["schedule"]:
            return self._schedule()
        if opts["batch_size"] < 1:
            raise CommandError(_("--batch-size 必须是正整数"))
        backend = get_search_backend(opts["backend"])
        failed = []
        for kind in opts["kind"] or KINDS:
            try:
                report = reconcile(
                    kind, dry_run=opts["dry_run"], backend=backend, batch_size=opts["batch_size"]
                )
            except Exception as exc:  # the other kind may still be fine: go on, then fail
                failed.append(kind)
                self.stderr.write(f"{kind}: {type(exc).__name__}: {exc}")
                continue
            line = json.dumps(report.as_dict()) if opts["json"] else str(report)
            self.stdout.write(line + (" (dry run)" if opts["dry_run"] and not opts["json"] else ""))
        if failed:
            raise CommandError(
                _("搜索索引核对失败：%(kinds)s。请检查索引，必要时运行 rebuild_index。")
                % {"kinds": ", ".join(failed)}
            )

    def _schedule(self) -> None:
        from search.tasks import schedule_reconcile

        if schedule_reconcile():
            self.stdout.write("reconcile_index task queued")
        else:
            self.stdout.write(
                "reconcile_index task not queued: one is queued already, the interval is 0, "
                "or the task backend cannot defer tasks"
            )
