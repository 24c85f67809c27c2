"""Delete uploads kept for forms that were never saved, older than a day (run daily)."""

from django.core.management.base import BaseCommand

from marketplace.workspace.services import PENDING_UPLOAD_TTL, pending_upload_purge


class Command(BaseCommand):
    help = f"Delete kept uploads of unsaved forms older than {PENDING_UPLOAD_TTL}."

    def handle(self, *args, **options):
        count = pending_upload_purge()
        self.stdout.write(f"{count} kept upload(s) deleted.")
