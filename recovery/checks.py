"""System checks for the clinical content: a broken data file fails `manage.py check`."""
