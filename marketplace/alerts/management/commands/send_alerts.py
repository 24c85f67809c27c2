from django.core.management.base import BaseCommand

from marketplace.alerts.services import alerts_run


class Command(BaseCommand):
    help = (
        "Deliver saved searches and match subscriptions: an in-site notice per alert with new "
        "listings and one e-mail digest per member a day. Run daily; safe to run repeatedly."
    )

    def handle(self, *args, **options):
        result = alerts_run()
        self.stdout.write(
            f"alerts checked: {result.checked}, skipped (engine unavailable): {result.skipped}, "
            f"new listings: {result.hits}, notices: {result.notices}, e-mails: {result.emails}"
        )
        for error in result.errors:
            self.stderr.write(f"alert {error}")
