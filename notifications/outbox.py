"""Bulk insert of outbox rows that skips existing ones and says which rows are new.

Django's bulk_create(ignore_conflicts=True) cannot say which rows were inserted, and only the
new ones may be published, hence INSERT ... ON CONFLICT DO NOTHING RETURNING.

Rows are plain dicts of column values (no model instances: a reminder fan-out writes 200,000
rows, and Model.__init__ plus a parameter per value dominated its time). On PostgreSQL the
rows travel as one array per column through unnest(), so a statement has a parameter per
column whatever its row count; other databases (SQLite for `make run`) get a multi-row VALUES.
The arrays are bound on the server (core.sql.server_side_binding): quoting 14 arrays of 5,000
values into the SQL text in Python cost more than PostgreSQL's insert itself (issue 23).
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field

from core.sql import array_placeholder, server_side_binding
from notifications.models import Notification

MAX_ROWS_PER_STATEMENT = 10_000  # a 5,000-reminder batch (in-app + push) in one statement


def _fields() -> list[Field]:
    return list(Notification._meta.concrete_fields)


def _value(field: Field, row: Mapping[str, Any]) -> Any:
    if field.attname in row:
        return row[field.attname]
    if field.primary_key:
        return uuid.uuid4()
    return field.get_default()


def _insert(fields: list[Field], source: str) -> str:
    qn = connection.ops.quote_name
    return (
        f"INSERT INTO {qn(Notification._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) "
        f"{source} ON CONFLICT DO NOTHING RETURNING id, channel"
    )


def _insert_unnest(cursor: Any, fields: list[Field], rows: Sequence[Mapping[str, Any]]) -> list:
    arrays = []
    for field in fields:
        values = [_value(field, row) for row in rows]
        if field.get_internal_type() == "JSONField":
            values = [field.get_db_prep_save(v, connection) for v in values]
        arrays.append(values)
    array = array_placeholder(connection)  # binary arrays when bound on the server
    casts = ", ".join(f"{array}::{field.db_type(connection)}[]" for field in fields)
    source = f"SELECT * FROM unnest({casts})"  # noqa: S608 (column types, not data)
    cursor.execute(_insert(fields, source), arrays)
    return cursor.fetchall()


def _insert_values(cursor: Any, fields: list[Field], rows: Sequence[Mapping[str, Any]]) -> list:
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [f.get_db_prep_save(_value(f, row), connection) for row in rows for f in fields]
    cursor.execute(_insert(fields, f"VALUES {', '.join([one] * len(rows))}"), params)
    return cursor.fetchall()


def insert_ignoring_conflicts(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Insert outbox rows (dicts keyed by attname; omitted columns take their defaults) and
    return (id, channel) of the ones that did not exist yet."""
    if not rows:
        return []
    fields = _fields()
    if connection.vendor == "postgresql":
        insert, chunk = _insert_unnest, MAX_ROWS_PER_STATEMENT
    else:
        # SQLite caps the parameters per statement.
        insert = _insert_values
        chunk = max(1, min(MAX_ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(fields, rows)))
    new: list[tuple[str, str]] = []
    with server_side_binding(), connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            for pk, channel in insert(cursor, fields, rows[start : start + chunk]):
                new.append((str(pk), channel))  # psycopg returns UUIDs already
    return new
