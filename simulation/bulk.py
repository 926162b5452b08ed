"""Inserting many rows fast: PostgreSQL COPY where available, bulk_create elsewhere.

A cohort of 10,000 patients is millions of rows (about 13 checklist entries per check-in).
`bulk_create` builds one multi-row INSERT per 2,000 rows, and turning every value into SQL
parameters and the statement back into rows costs more than simulating the patients. COPY
streams the rows as they are. SQLite (`make run`) has no COPY and gets `bulk_create`; both
paths write the same values (tests compare them).

Two entry points:
    objects_insert(model, objs)         model instances, prepared exactly as bulk_create does
    rows_insert(model, columns, rows)   plain tuples of database-ready values for `columns`;
                                        every other column gets its field default (per row for
                                        a callable such as uuid4), auto_now fields the batch time
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields.related import RelatedField
from django.utils import timezone

BULK = 2000  # rows per INSERT statement on the bulk_create path


def _connection() -> Any:
    # The wrapper itself, not django.db.connection: that proxy resolves the alias on every
    # attribute access, and get_db_prep_save touches it millions of times for a cohort.
    return connections[DEFAULT_DB_ALIAS]


def copy_supported() -> bool:
    return _connection().vendor == "postgresql"


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    # An auto-incremented primary key is left to its sequence, as bulk_create leaves it.
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]


def _copy(model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Any]) -> None:
    connection = _connection()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


# Python types that get_db_prep_save hands to psycopg unchanged on PostgreSQL, by field class
# (the PostgreSQL backend adapts dates and times natively). A value of another type, such as
# a naive datetime or a TextChoices member, takes Django's own path.
_PASS_THROUGH: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.FloatField: (float,),
    models.UUIDField: (uuid.UUID,),
    models.DateField: (date,),
    models.DateTimeField: (datetime,),
}


def _prepper(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    """obj -> the column's value, as bulk_create would send it."""
    # A stored field is a relation exactly when it is a RelatedField (FK, one-to-one).
    target = field.target_field if isinstance(field, RelatedField) else field
    passes = _PASS_THROUGH.get(type(target))
    automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if passes is None or automatic:
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    attname = field.attname

    def value(obj: models.Model) -> Any:
        raw = getattr(obj, attname)
        if raw is None or (type(raw) in passes and getattr(raw, "tzinfo", True) is not None):
            return raw
        return field.get_db_prep_save(raw, connection)

    return value


def objects_insert(
    model: type[models.Model], objs: Sequence[models.Model], *, use_copy: bool | None = None
) -> None:
    """Insert unsaved instances; pre_save/get_db_prep_save as bulk_create would call them."""
    if not objs:
        return
    if not (copy_supported() if use_copy is None else use_copy):
        model._default_manager.bulk_create(objs, batch_size=BULK)
        return
    fields, connection = _stored_fields(model), _connection()
    preppers = [_prepper(field, connection) for field in fields]
    _copy(model, fields, ([prep(obj) for prep in preppers] for obj in objs))


def _filler(field: models.Field, now: Any) -> Callable[[], Any]:
    """The value of a column the caller did not give, as the field would fill it."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.default  # e.g. uuid4: a new value per row
    constant = field.get_db_prep_save(field.get_default(), _connection())
    return lambda: constant


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    use_copy: bool | None = None,
) -> None:
    """Insert tuples of values for `columns` (attnames such as `patient_id`), no instances.

    The values must be ready for the database as given (UUIDs, dates, numbers, booleans,
    strings); JSON needs objects_insert.
    """
    if not rows:
        return
    if not (copy_supported() if use_copy is None else use_copy):
        model._default_manager.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), BULK
        )
        return
    now = timezone.now()
    stored = {field.attname: field for field in _stored_fields(model)}
    unknown = set(columns) - set(stored)
    if unknown:
        raise ValueError(f"{model.__name__} has no stored columns {sorted(unknown)}")
    # COPY takes the columns in any order: the given ones first, then the ones filled here.
    rest = [field for name, field in stored.items() if name not in columns]
    fillers = [_filler(field, now) for field in rest]
    fields = [stored[name] for name in columns] + rest
    _copy(model, fields, ((*row, *[fill() for fill in fillers]) for row in rows))
