"""A same-minute reminder fan-out costs a fixed handful of SQL statements (issue 23).

2,000 patients with a push device each, due in the same minute, run as the worker runs them:
the beat task's count, one batch task (claim, decide, outbox insert, reschedule) and the
delivery tasks of 1,000 push rows (claim-and-load, one update per provider call of 500, the
endpoints). Budget: at most 10 statements per 1,000 reminders, i.e. 20 here. Savepoints are
left out: they exist only because the test runs inside a transaction (a worker's batch is a
transaction of its own, BEGIN/COMMIT, which are not statements the wrappers see).
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.conf import conf
from notifications.models import Endpoint, Notification, Preference
from notifications.tasks import deliver_batch
from recovery.models import CareTeam, Patient, ReminderSchedule, Surgery
from recovery.reminders.sweep import reminder_batches_due, reminders_send_due
from tests.clock import NOON

# Frozen at noon UTC: at night the patients' (UTC) quiet hours would hold the pushes back.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

REMINDERS = 2000


def _due_patients(count: int, due_at) -> None:
    """Bulk path (as bench/reminders.py): users, patients, surgeries, devices, due rows."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"fan-{i}", password=UNUSABLE_PASSWORD_PREFIX + "x")
        for i in range(count)
    )
    team = CareTeam.objects.create(name="Fan-out")
    born = due_at.date().replace(year=due_at.year - 60, day=1)
    patients = Patient.objects.bulk_create(
        Patient(user=u, care_team=team, first_name="R", last_name="B", date_of_birth=born)
        for u in users
    )
    # Day 20: past the daily wound-photo prompts, so each reminder is one message.
    Surgery.objects.bulk_create(
        Surgery(patient=p, date=due_at.date() - timedelta(days=20), indication="stenosis",
                approach="open", technique="tlif")
        for p in patients
    )  # fmt: skip
    Preference.objects.bulk_create(Preference(user=u, timezone="UTC") for u in users)
    Endpoint.objects.bulk_create(
        Endpoint(user=u, kind="push", platform="android", token=f"tok-{u.id}") for u in users
    )
    ReminderSchedule.objects.bulk_create(
        ReminderSchedule(patient=p, kind="morning", wall_time=due_at.time(), next_due_at=due_at)
        for p in patients
    )


def _work_statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


@time_machine.travel(NOON, tick=False)
def test_it_runs_2000_reminders_end_to_end_in_at_most_20_statements():
    now = timezone.now()
    _due_patients(REMINDERS, now - timedelta(minutes=1))

    with CaptureQueriesContext(connection) as queries:
        assert reminder_batches_due(now=now) == 1  # the beat task: one batch task to publish
        assert reminders_send_due(now=now, max_batches=1).runs == REMINDERS  # that task
        pending = Notification.objects.filter(channel="push", status="pending")
        ids = [str(i) for i in pending.values_list("id", flat=True)]
        for start in range(0, len(ids), conf().BATCH_SIZE):  # the delivery tasks
            deliver_batch.run(notification_ids=ids[start : start + conf().BATCH_SIZE])
    statements = _work_statements(queries)

    assert Notification.objects.filter(channel="push", status="sent").count() == REMINDERS
    budget = 10 * REMINDERS // 1000
    # Minus one: the test's own read of the pending ids is not part of the fan-out.
    assert len(statements) - 1 <= budget, "\n".join(s[:120] for s in statements)
