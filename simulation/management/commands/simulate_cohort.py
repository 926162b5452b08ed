"""Create a synthetic cohort: care teams, patients, operations, plans, check-ins, flags.

    python manage.py simulate_cohort --patients 10000 --days 90 --seed 1

Deterministic for a seed and a window: a window that ends before today (--start-date) gives
the same rows on every run and for any --workers; a window that ends today stops at the
current time, so its last day depends on when it runs. Not idempotent on purpose: it refuses to run
when the seed's teams already exist, since a second copy of the same patients would be a
second cohort, not the same one. Use another --seed to add more patients, or
--skip-existing (for `make run`) to exit quietly when the seed's cohort is already there.
"""

from __future__ import annotations

import math
import time
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recovery.models import CareTeam
from simulation.cohort import TIMEZONES
from simulation.run import Plan, cohort_simulate
from simulation.writer import team_existing, team_name, username_prefix

PATIENTS_PER_TEAM = 500


class Command(BaseCommand):
    help = "Simulate a cohort of patients recovering from lumbar fusion (bulk inserts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=30)
        parser.add_argument("--days", type=int, default=60, help="length of the window")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--team-count", type=int, default=None, help=f"default: 1 per {PATIENTS_PER_TEAM}"
        )
        parser.add_argument(
            "--start-date",
            type=date.fromisoformat,
            default=None,
            help="first day of the window (default: the window ends today)",
        )
        parser.add_argument("--workers", type=int, default=1, help="processes for triage")
        parser.add_argument("--batch-size", type=int, default=500, help="patients per commit")
        parser.add_argument(
            "--clinician-password", default=None, help="let the simulated clinicians log in"
        )
        parser.add_argument(
            "--team",
            default=None,
            help="simulate into this existing care team (e.g. the demo team) instead of "
            "creating teams",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--skip-existing", action="store_true", help="exit 0 if this seed's cohort exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        patients, days = options["patients"], options["days"]
        if patients < 1 or days < 1:
            raise CommandError("--patients and --days must be at least 1.")
        team_count = options["team_count"] or max(1, math.ceil(patients / PATIENTS_PER_TEAM))
        seed = options["seed"]
        now = timezone.now()
        start = options["start_date"] or (now.date() - timedelta(days=days - 1))
        into = None
        if options["team"]:
            into = team_existing(name=options["team"], timezone=TIMEZONES[0])
            if into is None:
                raise CommandError(f"No care team named {options['team']!r}.")
            if get_user_model().objects.filter(username__startswith=username_prefix(seed)).exists():
                if options["skip_existing"]:
                    self.stdout.write(f"A cohort with seed {seed} already exists; nothing done.")
                    return
                raise CommandError(f"A cohort with seed {seed} already exists; use another --seed.")
            team_count = 1
        names = [team_name(seed, n) for n in range(1, team_count + 1)]
        if into is None and CareTeam.objects.filter(name__in=names).exists():
            if options["skip_existing"]:
                self.stdout.write(f"A cohort with seed {seed} already exists; nothing done.")
                return
            raise CommandError(
                f"A cohort with seed {seed} already exists; use another --seed "
                "(simulate_cohort refuses to run twice on the same team names)."
            )
        plan = Plan(patients, days, seed, start, team_count, now)
        began = time.monotonic()
        totals = cohort_simulate(
            plan,
            workers=options["workers"],
            batch_size=options["batch_size"],
            clinician_password=options["clinician_password"],
            progress=not options["no_progress"],
            into=into,
        )
        elapsed = time.monotonic() - began
        summary = ", ".join(f"{name} {count}" for name, count in sorted(totals.items()))
        self.stdout.write(self.style.SUCCESS(f"Simulated in {elapsed:.1f}s: ") + summary)
