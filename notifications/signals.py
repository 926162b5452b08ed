"""Signals other apps may listen to. notifications never imports them; they import this."""

from django.dispatch import Signal

# Sent inside the transaction that saved a user's preferences.
# kwargs: user_id (int), changed (list of field names), preference (the saved row).
preference_changed = Signal()
