"""Caregivers with their own identity (issue 22).

Links and invitation codes, `reported_by_caregiver` on check-ins, checklist entries and
milestones, and `AccessEvent.actor_kind` ("caregiver" for a caregiver's reads and writes).

The audit chain (0009_audit_chain) covers `actor_kind` from here on: the BEFORE INSERT trigger's
function is replaced by one that appends the kind to the hashed text only when it is not blank
(concat_ws skips NULLs). Every existing row has a blank kind, so its hash is unchanged and
`verify_audit` still passes; recovery.audit_chain.canonical applies the same rule.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from recovery import audit_chain

TABLE = "recovery_accessevent"


def _chain_function(*, with_actor_kind: bool) -> str:
    kind = "\n            NULLIF(NEW.actor_kind, ''),\n" if with_actor_kind else "\n"
    return f"""
CREATE OR REPLACE FUNCTION recovery_accessevent_chain() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    sep text := chr(31);
BEGIN
    -- One appender at a time until commit; the SELECT below then sees the committed head.
    PERFORM pg_advisory_xact_lock({audit_chain.ADVISORY_LOCK_KEY});
    SELECT seq, chain_hash INTO head_seq, head_hash
        FROM {TABLE} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(head_seq, 0) + 1;
    NEW.chain_hash := encode(sha256(convert_to(
        concat_ws(sep,
            NEW.seq::text,
            NEW.id::text,
            NEW.actor_id::text,
            coalesce(NEW.patient_id::text, ''),
            NEW.action,
            NEW.object_type,
            NEW.object_id,
            NEW.request_id,
            coalesce(host(NEW.ip_address), ''),
            to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),{kind}\
            coalesce(head_hash, '{audit_chain.GENESIS}')
        ), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;
"""


def chain_actor_kind(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_chain_function(with_actor_kind=True), params=None)


def unchain_actor_kind(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_chain_function(with_actor_kind=False), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0011_wound_photos"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="actor_kind",
            field=models.CharField(
                blank=True,
                choices=[("", "By the actor's role"), ("caregiver", "Caregiver")],
                default="",
                max_length=12,
            ),
        ),
        migrations.RunPython(chain_actor_kind, unchain_actor_kind),
        migrations.CreateModel(
            name="CaregiverLink",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("display_name", models.CharField(max_length=100)),
                ("relationship", models.CharField(max_length=50)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("scopes", models.JSONField(default=list)),
                (
                    "invited_by",
                    models.CharField(
                        choices=[("patient", "Patient"), ("care_team", "Care Team")],
                        max_length=10,
                    ),
                ),
                ("patient_asked", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "caregiver",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="caregiver_links",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "invited_by_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="caregiver_links",
                        to="recovery.patient",
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="CaregiverInvitation",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("code_digest", models.CharField(max_length=64, unique=True)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="recovery.caregiverlink",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="checkin",
            name="reported_by_caregiver",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="checkins",
                to="recovery.caregiverlink",
            ),
        ),
        migrations.AddField(
            model_name="checklistentry",
            name="reported_by_caregiver",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="checklist_entries",
                to="recovery.caregiverlink",
            ),
        ),
        migrations.AddField(
            model_name="milestone",
            name="reported_by_caregiver",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="milestones",
                to="recovery.caregiverlink",
            ),
        ),
        migrations.AddIndex(
            model_name="caregiverlink",
            index=models.Index(fields=["caregiver", "patient"], name="caregiver_link_lookup"),
        ),
        migrations.AddConstraint(
            model_name="caregiverlink",
            constraint=models.CheckConstraint(
                condition=models.Q(("invited_by__in", ["patient", "care_team"])),
                name="caregiver_link_invited_by_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="caregiverlink",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("invited_by", "patient"), ("patient_asked", True), _connector="OR"
                ),
                name="caregiver_link_care_team_only_when_patient_asked",
            ),
        ),
        migrations.AddConstraint(
            model_name="caregiverlink",
            constraint=models.UniqueConstraint(
                condition=models.Q(("caregiver__isnull", False), ("revoked_at__isnull", True)),
                fields=("patient", "caregiver"),
                name="caregiver_link_one_live_per_pair",
            ),
        ),
    ]
