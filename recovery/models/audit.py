import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class AccessEventQuerySet(models.QuerySet["AccessEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Access events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access events are append-only.")

    def bulk_create(self, objs: Iterable["AccessEvent"], *args: Any, **kwargs: Any) -> list[Any]:
        from recovery import audit_chain

        events = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            if not audit_chain.database_chains():
                audit_chain.seal_in_python(events)
            return super().bulk_create(events, *args, **kwargs)

    def insert_per_patient(self, *, patient_ids: list[Any], **values: Any) -> None:
        """One event per patient id, the same `values` for each, `object_id` the patient's id.

        On PostgreSQL a single INSERT ... SELECT over one uuid[] parameter: the list pages
        record 25-100 of these per request, and building and binding that many model
        instances cost more CPU than the page's queries (docs/benchmarks.md, section 3c).
        The BEFORE INSERT trigger chains the rows in the array's order, as it does for
        bulk_create. Elsewhere (SQLite: `make run`), bulk_create and the Python chain.
        """
        if not patient_ids:
            return
        if {"id", "patient", "patient_id", "object_id"} & set(values):
            raise TypeError("insert_per_patient sets id, patient and object_id itself")
        connection = connections[self.db]
        if connection.vendor != "postgresql":  # the database whose trigger chains the rows
            self.bulk_create(
                AccessEvent(patient_id=pid, object_id=str(pid), **values) for pid in patient_ids
            )
            return
        values.setdefault("created_at", timezone.now())
        fields: list[models.Field[Any, Any]] = []
        for name in values:
            field = AccessEvent._meta.get_field(name)
            if not isinstance(field, models.Field):
                raise TypeError(f"{name} is not a column of AccessEvent")
            fields.append(field)
        # Typed placeholders: a SELECT list's bare literal is text, which PostgreSQL will not
        # assign to an inet or timestamp column. Strings stay text, so the column's own
        # length check applies (a cast to varchar(n) would cut a long value silently).
        placeholders = ", ".join(
            "%s::text" if isinstance(f, models.CharField) else f"%s::{f.db_type(connection)}"
            for f in fields
        )
        columns = ", ".join(f.column for f in fields)
        # Identifiers from the model's own fields; every value is a bound parameter.
        sql = (
            f"INSERT INTO {AccessEvent._meta.db_table} (id, patient_id, object_id, {columns}) "  # noqa: S608
            f"SELECT gen_random_uuid(), p.id, p.id::text, {placeholders} "
            "FROM unnest(%s::uuid[]) WITH ORDINALITY AS p(id, n) ORDER BY p.n"
        )
        params = [
            f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, list(patient_ids)])


class AccessEvent(models.Model):
    """Who read or changed which patient's record, when, from where. Append-only.

    The application cannot update or delete rows (queryset and instance both refuse), and on
    PostgreSQL a trigger refuses UPDATE and DELETE from anyone (migration 0008). Each row
    carries `seq` and `chain_hash`, chained to the previous row (recovery.audit_chain), so an
    edit made around the trigger shows in `manage.py verify_audit`. Pruning, if ever, is an
    operator's job with its own audit and a re-anchored chain.
    """

    class Action(models.TextChoices):
        VIEW = "view"
        LIST = "list"
        CREATE = "create"
        UPDATE = "update"
        EXPORT = "export"
        FLAG_ACKNOWLEDGE = "flag_acknowledge"
        FLAG_RESOLVE = "flag_resolve"
        FLAG_DISMISS = "flag_dismiss"
        FLAG_ASSIGN = "flag_assign"  # issue 16: "Assign to me"
        FLAG_UNASSIGN = "flag_unassign"  # issue 16: the owner gives the flag back
        BREAK_GLASS = "break_glass"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events"
    )
    patient = models.ForeignKey(
        "recovery.Patient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
    )

    class ActorKind(models.TextChoices):
        # Blank (every earlier row): told apart by the actor's own role (care team, staff or
        # the patient). A caregiver's account has no role of its own, so their events say so.
        UNSPECIFIED = "", "By the actor's role"
        CAREGIVER = "caregiver"  # someone the patient invited (issue 22)

    action = models.CharField(max_length=24, choices=Action.choices)
    actor_kind = models.CharField(
        max_length=12, choices=ActorKind.choices, default=ActorKind.UNSPECIFIED, blank=True
    )
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # Tamper evidence: filled at insert (by the PostgreSQL trigger, or in Python on SQLite).
    seq = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        from recovery import audit_chain

        if not self._state.adding:
            raise AppendOnlyError("Access events are append-only.")
        with transaction.atomic(savepoint=False):
            if not audit_chain.database_chains():
                audit_chain.seal_in_python([self])
            super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access events are append-only.")
