"""One seeded demo database per test module, rolled back at the end (tests/cms/test_seed_demo.py,
tests/projects/test_demo_projects.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.management import call_command
from django.db import transaction


class Sink:
    """Collects what ``seed_demo`` prints (a stdout for call_command)."""

    def __init__(self):
        self.text = ""

    def write(self, text, *args, **kwargs):
        self.text += text + "\n"

    def flush(self):
        pass


def seeded_in_rollback(django_db_blocker, size: int) -> Iterator[str]:
    """Seed once inside a transaction rolled back afterwards; yields seed_demo's output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = Sink()
        call_command("seed_demo", size=size, stdout=out)
        yield out.text
        transaction.set_rollback(True)
