from django.core.management.base import BaseCommand

from marketplace.bidding.services import deadline_reminders_send


class Command(BaseCommand):
    help = (
        "Send deadline reminders (3 days and 1 day before a demand closes); safe to run repeatedly."
    )

    def handle(self, *args, **options):
        sent = deadline_reminders_send()
        self.stdout.write(f"reminders sent: {sent}")
