"""Audit trail: append-only in the database, and hash-chained for tamper evidence.

PostgreSQL gets two triggers on recovery_accessevent:
- BEFORE UPDATE OR DELETE: refuses the statement, for every role (the application's own user
  included). TRUNCATE is not covered: it needs table ownership, which the application's
  database role should not have in production (see docs/security.md).
- BEFORE INSERT: assigns `seq` and `chain_hash` under a transaction-scoped advisory lock, so
  concurrent writers append one after another (recovery.audit_chain holds the same formula).
Existing rows are chained first, in (created_at, id) order. On SQLite the SQL steps do nothing
and recovery.audit_chain seals rows in Python.
"""

import django.utils.timezone
from django.db import migrations, models

from recovery import audit_chain

TABLE = "recovery_accessevent"

CREATE_SQL = f"""
CREATE OR REPLACE FUNCTION recovery_accessevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'recovery_accessevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER recovery_accessevent_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION recovery_accessevent_refuse_change();

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
            to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            coalesce(head_hash, '{audit_chain.GENESIS}')
        ), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;

CREATE TRIGGER recovery_accessevent_chain
    BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION recovery_accessevent_chain();
"""

DROP_SQL = f"""
DROP TRIGGER IF EXISTS recovery_accessevent_chain ON {TABLE};
DROP TRIGGER IF EXISTS recovery_accessevent_append_only ON {TABLE};
DROP FUNCTION IF EXISTS recovery_accessevent_chain();
DROP FUNCTION IF EXISTS recovery_accessevent_refuse_change();
"""


def chain_existing_rows(apps, schema_editor):
    AccessEvent = apps.get_model("recovery", "AccessEvent")
    previous = audit_chain.GENESIS
    batch = []
    rows = AccessEvent.objects.order_by("created_at", "id").iterator(chunk_size=2000)
    for seq, event in enumerate(rows, start=1):
        event.seq = seq
        event.chain_hash = audit_chain.link_hash(
            audit_chain.event_canonical(event, seq=seq), previous
        )
        previous = event.chain_hash
        batch.append(event)
        if len(batch) == 1000:
            AccessEvent.objects.bulk_update(batch, ["seq", "chain_hash"])
            batch = []
    if batch:
        AccessEvent.objects.bulk_update(batch, ["seq", "chain_hash"])


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0008_break_glass"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="accessevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
