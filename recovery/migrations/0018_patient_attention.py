"""The worklist's attention summary (issue 16, item 8): AttentionSignal, one row per patient and
reason with since when, and AttentionSweep, when each team was last recomputed.

No data migration: the rows are derived. Until the beat's first sweep
(recovery.tasks.sweep_attention, every 5 minutes) a team's first worklist request finds no
AttentionSweep row and sweeps the team itself (recovery.services.attention), and
`manage.py attention_sweep` does it for every team at once (after a deploy, a restore or a
bulk import that bypassed the services). So the list is right before any beat has run.

Indexes (EXPLAIN ANALYZE on the benchmark data, 10,000 patients, 1,704 signal rows:
docs/benchmarks.md section 3b):
- attention_signal_once_per_reason, unique (patient, reason): the upsert's conflict target;
  also serves a patient's refresh (DELETE ... WHERE patient_id = ...) and the page's
  "these 25 patients' signals" read, so the patient FK gets no index of its own.
- the care_team FK's index: the ranked read filters one team's rows. With the benchmark's
  single team every row matches and PostgreSQL rightly scans the table (1,704 rows, 0.2 ms);
  the index is for deployments with several teams (Django's default FK index, kept).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0017_flag_owner"),
    ]

    operations = [
        migrations.CreateModel(
            name="AttentionSweep",
            fields=[
                (
                    "care_team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="recovery.careteam",
                    ),
                ),
                ("swept_at", models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name="AttentionSignal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("silence", "No recent check-in"),
                            ("adherence", "Low checklist adherence"),
                            ("milestone", "Milestone overdue, not recorded"),
                            ("questionnaire", "Questionnaire overdue"),
                            ("worse_than_baseline", "ODI worse than baseline"),
                        ],
                        max_length=30,
                    ),
                ),
                ("since", models.DateField(blank=True, null=True)),
                ("detail", models.JSONField(default=dict)),
                ("computed_at", models.DateTimeField()),
                (
                    "care_team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recovery.careteam",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attention_signals",
                        to="recovery.patient",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("patient", "reason"), name="attention_signal_once_per_reason"
                    )
                ],
            },
        ),
    ]
