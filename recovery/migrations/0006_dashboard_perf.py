"""Indexes behind the dashboard worklist's "needs attention" signals (issue 9).

Each one turns a read of a whole table into a read of the rows that matter today:

- checkin_recent_patient (recorded_at, patient): "no check-in since the silence cut-off" is a
  NOT EXISTS over the last few days' check-ins (an index-only range scan), not a MAX over
  every check-in of the team (975 ms at 10,000 patients / 1,000,000 check-ins).
- checklistentry_date_patient (date, patient, kept): the 7-day adherence counts read the last
  week's entries from the index alone instead of hashing every entry ever answered.
- milestone_pending_due (target_date_max) WHERE status = 'pending': the overdue list walks
  pending milestones in due order and stops at the page limit.

The same indexes are declared in the models' Meta.indexes.
Plain CREATE INDEX (not CONCURRENTLY): it blocks writes to each table while it builds, about
a second per million rows; on a much larger deployment run it in a maintenance window.
"""

from django.db import migrations, models

INDEXES = [
    ("checkin", models.Index(fields=["recorded_at", "patient"], name="checkin_recent_patient")),
    (
        "checklistentry",
        models.Index(fields=["date", "patient", "kept"], name="checklistentry_date_patient"),
    ),
    (
        "milestone",
        models.Index(
            fields=["target_date_max"],
            name="milestone_pending_due",
            condition=models.Q(status="pending"),
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0005_reminders"),
    ]

    operations = [migrations.AddIndex(model_name=model, index=index) for model, index in INDEXES]
