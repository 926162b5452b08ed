"""Recompute the worklist's attention signals of every team now (what the beat does every
ATTENTION_SWEEP_MINUTES): after a bulk import or a restore that bypassed the services, or to
warm a large team before its first worklist request would sweep it (issue 16, item 8)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from recovery.services.attention import attention_sweep


class Command(BaseCommand):
    help = "Recompute every team's worklist attention signals from the source rows now."

    def handle(self, *args: Any, **options: Any) -> None:
        teams = attention_sweep(now=timezone.now())
        self.stdout.write(f"Swept the attention signals of {teams} team(s).")
