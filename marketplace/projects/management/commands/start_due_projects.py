from django.core.management.base import BaseCommand

from marketplace.projects.services import projects_start_due


class Command(BaseCommand):
    help = "Start every project whose award notice ended without an open objection (daily; safe to repeat)."

    def handle(self, *args, **options):
        started = projects_start_due()
        self.stdout.write(f"projects started: {started}")
