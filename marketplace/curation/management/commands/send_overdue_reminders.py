from django.core.management.base import BaseCommand

from marketplace.curation.reminders import overdue_reminders_send


class Command(BaseCommand):
    help = "Remind curators, listing owners and matched organisations of overdue actions (daily; safe to repeat)."

    def handle(self, *args, **options):
        sent = overdue_reminders_send()
        self.stdout.write(f"overdue reminders sent: {sent}")
