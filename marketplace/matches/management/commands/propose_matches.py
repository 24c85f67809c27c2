"""manage.py propose_matches: run the engine over open demands and public technologies."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import BaseCommand
from tqdm import tqdm

from marketplace.matches.selectors import match_min_score
from marketplace.matches.services import DEFAULT_LIMIT_PER_LISTING, matches_propose


class Command(BaseCommand):
    help = (
        "Propose demand–technology matches above JIEBANG_MATCH_MIN_SCORE for the curators' queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-score",
            type=float,
            default=None,
            help=f"0–100 threshold (default: setting, now {match_min_score():g})",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT_PER_LISTING,
            help="counterparts considered per listing",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        with tqdm(
            desc="listings", unit="listing", disable=opts["no_progress"], file=self.stderr
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = matches_propose(
                min_score=opts["min_score"], limit_per_listing=opts["limit"], progress=progress
            )
        self.stdout.write(json.dumps(asdict(result), ensure_ascii=False))
