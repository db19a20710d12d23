"""The sync engine and what surrounds it: setup, the lock, the outbox, notifications."""

import logging

# A library's loggers stay silent until the program configures them (core.logging_setup):
# without this, Python would print warnings to stderr on its own, even under the app.
logging.getLogger("rapport").addHandler(logging.NullHandler())
