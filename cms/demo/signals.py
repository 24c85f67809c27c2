"""The demo seeder's signal: higher layers add their own demo rows without cms importing them."""

from django.dispatch import Signal

#: Sent by ``DemoSeeder.run`` inside its transaction, once organisations, the demo logins
#: and listings exist. Arguments: ``now`` (the seeder's clock), ``seed`` (its random seed),
#: ``curator`` (the demo curator). A receiver returns a list of lines for the summary.
demo_seeded = Signal()
