#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Load the settings before Django's command runner does: it swallows a settings error
    # and some commands (makemigrations) then fail with an unrelated AppRegistryNotReady.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - the attribute read is what loads the settings
    except ImproperlyConfigured as exc:
        sys.exit(f"manage.py: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
