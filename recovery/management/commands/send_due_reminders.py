from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recovery.reminders.schedule import reminder_schedules_ensure
from recovery.reminders.sweep import reminders_send_due


class Command(BaseCommand):
    help = (
        "Run one reminder sweep now (for cron-style operation and diagnosis) and print what "
        "was queued for delivery. Safe to run alongside beat: rows are claimed with SKIP "
        "LOCKED and every message has an idempotency key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="First create reminder rows for patients who have none.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["backfill"]:
            created = reminder_schedules_ensure(now=now)
            self.stdout.write(f"Created reminder schedules for {created} patient(s).")
        result = reminders_send_due(now=now)
        self.stdout.write(f"Ran {result.runs} due reminder run(s).")
        if not result.sent:
            self.stdout.write("Nothing to send.")
        for template, count in sorted(result.sent.items()):
            self.stdout.write(f"  {template}: {count} message(s) queued")
