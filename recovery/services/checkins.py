"""Storing a check-in and triaging it, in one transaction.

The patient gets advice from the same transaction that stores the report and raises the flags;
the care-team alert is an outbox row written alongside (notifications delivers it after commit,
and re-drives it if the broker was down). A replayed id returns the stored answer.

Partial input (issue 14): an answer that failed validation is dropped, named in `rejected`
(stored on the row, so a replay names it again), and the rest is stored and triaged. Only a
body without a usable `id` or `recorded_at` is refused: a red flag is never lost to a typo
in another answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, QuerySet, Subquery, UUIDField
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.i18n import language_or_default
from recovery.models import CaregiverLink, CheckIn, Flag, Patient, Surgery
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.selectors import postop_day
from recovery.services.attention import attention_silence_ended
from recovery.services.flags import (
    SILENCE_ANSWERED_NOTE,
    flags_apply_findings,
    flags_close_answered_silence,
    patient_lock,
)
from recovery.services.triage_facts import (
    checkin_history_query,
    history_limit,
    triage_context,
    triage_ruleset,
)
from recovery.triage import evaluate

# Phones' clocks drift; a check-in "from the future" beyond this is refused.
CLOCK_SKEW = timedelta(minutes=5)
# Check-ins may start the day before the operation (pre-operative baseline), not earlier.
EARLIEST_DAY = -1

ID_IN_USE = _("This check-in id is already in use.")


@dataclass(frozen=True)
class CheckInSubmission:
    """One check-in body as the API read it, answer by answer.

    `answers` holds the valid answers (symptom fields in Celsius, `notes`); `rejected` the
    answers dropped, with why; `unreadable` what makes the body impossible to store (no usable
    `id` or `recorded_at`, or not an object at all).
    """

    checkin_id: UUID | None
    recorded_at: datetime | None
    answers: Mapping[str, Any] = field(default_factory=dict)
    rejected: Mapping[str, list[str]] = field(default_factory=dict)
    unreadable: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool  # False: a replay of an id this patient already sent


@dataclass(frozen=True)
class BatchItemOutcome:
    """What became of one item of a batch: a result (stored or replayed) or the error."""

    index: int  # position in the batch as sent
    checkin_id: UUID | None
    result: CheckInResult | None = None
    error: ApplicationError | None = None


def _id_conflict() -> ApplicationError:
    # Never say whose it is: the id belongs to someone else's record.
    message = str(ID_IN_USE)  # in the caller's language
    return ApplicationError(message, code="conflict", fields={"id": [message]}, status_code=409)


def checkin_get_for_replay(*, patient: Patient, checkin_id: UUID) -> CheckIn | None:
    """The patient's own check-in with this id, None if new; 409 if another patient's."""
    existing = CheckIn.objects.filter(id=checkin_id).first()
    if existing is None:
        return None
    if existing.patient_id != patient.id:
        raise _id_conflict()
    return existing


def _check_recorded_at(
    *, patient: Patient, surgery_date: Any, recorded_at: datetime, now: datetime
) -> None:
    if recorded_at > now + CLOCK_SKEW:
        raise ApplicationError(
            gettext("The check-in time is in the future."),
            fields={"recorded_at": [gettext("Cannot be in the future; check the phone's clock.")]},
        )
    if (patient.local_date(recorded_at) - surgery_date).days < EARLIEST_DAY:
        raise ApplicationError(
            gettext("The check-in time is before the operation."),
            fields={"recorded_at": [gettext("Cannot be more than a day before the operation.")]},
        )


def _unreadable(fields: Mapping[str, list[str]]) -> ApplicationError:
    return ApplicationError(
        gettext("The check-in cannot be read."), fields={k: list(v) for k, v in fields.items()}
    )


@transaction.atomic
def checkin_submit(
    *,
    patient: Patient,
    submission: CheckInSubmission,
    now: datetime,
    reported_by: CaregiverLink | None = None,
) -> CheckInResult:
    """Store (or replay) one check-in as the phone sent it: the API's one way in.

    A replay (this patient's id again) answers from the stored row, whatever the retried body
    holds. A new id with a readable body is stored with its valid answers and triaged; the
    dropped answers are kept in `rejected`. Raises ApplicationError: 400 for an unreadable
    body, 409 for an id that belongs to another patient.

    `reported_by` is the caregiver's link when a caregiver reports for the patient (issue 22):
    the row carries it from its insert, so the flags and the team's alert raised in this same
    transaction never see it unattributed. A replay keeps whoever reported it first.
    """
    if submission.checkin_id is None:
        raise _unreadable(submission.unreadable)
    locked = _checkin_lock(patient=patient, checkin_id=submission.checkin_id)
    if locked.replay is not None:
        return CheckInResult(checkin=locked.replay, created=False)
    if submission.unreadable or submission.recorded_at is None:
        raise _unreadable(
            submission.unreadable or {"recorded_at": [gettext("This field is required.")]}
        )
    return _checkin_store(
        patient=locked.patient,
        surgery=locked.surgery,
        checkin_id=submission.checkin_id,
        data={**submission.answers, "recorded_at": submission.recorded_at},
        rejected=submission.rejected,
        now=now,
        reported_by=reported_by,
    )


def checkins_submit_batch(
    *, patient: Patient, items: Sequence[CheckInSubmission], now: datetime
) -> list[BatchItemOutcome]:
    """Apply a phone's offline queue: each item on its own, like a single submission.

    Items are stored oldest `recorded_at` first (unreadable ones last), so each check-in is
    triaged against the ones recorded before it, whatever order the phone sent them in. One
    item's error never undoes another's (each has its own transaction). Returns one outcome
    per item, in the order sent.
    """
    order = sorted(
        range(len(items)),
        key=lambda index: (items[index].recorded_at is None, items[index].recorded_at or now),
    )
    outcomes: dict[int, BatchItemOutcome] = {}
    for index in order:
        item = items[index]
        try:
            result = checkin_submit(patient=patient, submission=item, now=now)
        except ApplicationError as exc:
            outcomes[index] = BatchItemOutcome(index, item.checkin_id, error=exc)
        else:
            outcomes[index] = BatchItemOutcome(index, item.checkin_id, result=result)
    return [outcomes[index] for index in range(len(items))]


@transaction.atomic
def checkin_create(
    *,
    patient: Patient,
    checkin_id: UUID,
    data: Mapping[str, Any],
    now: datetime,
    rejected: Mapping[str, list[str]] | None = None,
) -> CheckInResult:
    """Store a check-in, triage it and raise/update flags; replay-safe on `checkin_id`.

    `data` holds `recorded_at`, any of the symptom fields (Celsius) and `notes`, already
    validated for type and range (seeding and the simulator's cross-check call this directly;
    the API goes through `checkin_submit`). Check-in rules run as of `recorded_at` (a check-in
    queued offline is judged against what came before it); flags are stamped with `now`.
    """
    locked = _checkin_lock(patient=patient, checkin_id=checkin_id)
    if locked.replay is not None:
        return CheckInResult(checkin=locked.replay, created=False)
    return _checkin_store(
        patient=locked.patient,
        surgery=locked.surgery,
        checkin_id=checkin_id,
        data=data,
        rejected=rejected or {},
        now=now,
    )


@dataclass(frozen=True)
class _Locked:
    patient: Patient  # re-read under the lock
    surgery: Surgery | None  # the latest operation
    replay: CheckIn | None  # this patient's check-in with the id, if it is a replay


def _checkin_lock(*, patient: Patient, checkin_id: UUID) -> _Locked:
    """Take the patient's row lock (like `patient_lock`) and read what a check-in needs.

    issue 23: one statement locks the patient row (FOR UPDATE OF the patient only) and reads
    the latest surgery and the owner of `checkin_id`. The owner is as of the statement's start,
    before any wait for the lock: a retry of this id committed meanwhile by the lock's holder
    is caught by the insert instead (`_insert_if_new`). A patient without a surgery (nothing to
    store against) and a replay take the plain path, one or two statements more.
    """
    owner = CheckIn.objects.filter(id=checkin_id).values("patient_id")[:1]
    row = (
        Surgery.objects.select_related("patient")
        .select_for_update(of=("patient",))
        .filter(patient_id=patient.id)
        # A UUID on every database: SQLite would hand back the foreign key's raw text.
        .annotate(checkin_owner=Subquery(owner, output_field=UUIDField()))
        .order_by("-date", "-created_at")  # as Patient.latest_surgery
        .first()
    )
    if row is None:
        locked = patient_lock(patient_id=patient.id)
        return _Locked(locked, None, checkin_get_for_replay(patient=locked, checkin_id=checkin_id))
    locked = row.patient
    _keep_user(locked, patient)
    if row.checkin_owner is None:
        return _Locked(locked, row, None)
    if row.checkin_owner != locked.id:
        raise _id_conflict()
    return _Locked(locked, row, CheckIn.objects.get(id=checkin_id))


def _keep_user(locked: Patient, patient: Patient) -> None:
    # The caller's patient usually carries its user and preferences (the JWT authentication
    # joins them): the re-read row keeps them, so the patient's time zone costs no query.
    if Patient._meta.get_field("user").is_cached(patient) and patient.user_id == locked.user_id:
        locked.user = patient.user


def _insert_and_read(
    checkin: CheckIn, *, history: QuerySet[CheckIn, dict[str, Any]], now: datetime
) -> tuple[bool, list[dict[str, Any]]]:
    """Store the check-in, close the patient's answered silence flag and read the triage
    history, in one statement; (False, []) when the id is taken.

    issue 23: three statements that each cost a round trip become data-modifying CTEs of one:
    - the INSERT is `ON CONFLICT (id) DO NOTHING`: a taken id raises nothing, so it needs no
      savepoint (two statements fewer than catching IntegrityError); Django's insert compiler
      prepares the values, as save() does;
    - the silence close is `flags_close_answered_silence`'s UPDATE (the same filter and
      values; silence flags are raised by trend rules only, so closing it before this
      check-in's own flags are raised changes nothing);
    - the history is `checkin_history_query`, in the statement's snapshot: it never sees this
      insert, which its `recorded_at <` bound excludes anyway.
    The caller holds the patient's row lock, so the history cannot miss a check-in of theirs.
    Data-modifying CTEs are PostgreSQL's: another database (`make run`'s embedded SQLite) takes
    the same steps one statement each (`_insert_and_read_portable`).
    """
    alias = router.db_for_write(CheckIn)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return _insert_and_read_portable(checkin, history=history, now=now, alias=alias)
    insert = InsertQuery(CheckIn)
    insert.insert_values(CheckIn._meta.local_concrete_fields, [checkin])
    [(insert_sql, insert_params)] = insert.get_compiler(using=alias).as_sql()
    silence = UpdateQuery(Flag)
    silence.add_update_values(
        {
            "status": Flag.Status.RESOLVED,
            "resolved_at": now,
            "resolution_note": SILENCE_ANSWERED_NOTE,
            "updated_at": now,
        }
    )
    silence.add_q(
        Q(patient_id=checkin.patient_id, category="silence", status__in=Flag.LIVE_STATUSES)
    )
    silence_sql, silence_params = silence.get_compiler(using=alias).as_sql()
    history_sql, history_params = history.query.get_compiler(using=alias).as_sql()
    # The worklist's attention summary (issue 16): a recent check-in ends a silence signal.
    ended = attention_silence_ended(
        patient_id=checkin.patient_id, recorded_at=checkin.recorded_at, now=now
    )
    signal_sql, signal_params = "", ()
    if ended is not None:
        # As QuerySet._raw_delete does: the same filter, compiled as a DELETE.
        delete_sql, signal_params = ended.query.chain(DeleteQuery).get_compiler(alias).as_sql()
        signal_sql = f"signal AS ({delete_sql}), "
    # Only the compilers' SQL is spliced in; every value is a parameter.
    sql = (
        f"WITH closed AS ({silence_sql}), {signal_sql}"  # noqa: S608
        f"inserted AS ({insert_sql} ON CONFLICT (id) DO NOTHING RETURNING 1) "
        "SELECT (SELECT count(*) FROM inserted), history.* "
        f"FROM (SELECT 1) AS one LEFT JOIN ({history_sql}) AS history ON true"
    )
    params = (*silence_params, *signal_params, *insert_params, *history_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        names = [column.name for column in cursor.description][1:]
    if not rows[0][0]:
        return False, []
    checkin._state.adding = False
    checkin._state.db = alias
    # Each row: the count, then the history's columns; one row of NULLs when there is none.
    history_rows = [dict(zip(names, row[1:], strict=True)) for row in rows]
    return True, [row for row in history_rows if row["recorded_at"] is not None]


def _insert_and_read_portable(
    checkin: CheckIn, *, history: QuerySet[CheckIn, dict[str, Any]], now: datetime, alias: str
) -> tuple[bool, list[dict[str, Any]]]:
    """`_insert_and_read`'s steps, one statement each, for databases without data-modifying
    CTEs. The history is read first, so that it cannot include this check-in either."""
    rows = list(history.using(alias))
    try:
        with transaction.atomic(using=alias):
            checkin.save(force_insert=True, using=alias)
    except IntegrityError:
        return False, []
    flags_close_answered_silence(patient=checkin.patient, now=now)
    ended = attention_silence_ended(
        patient_id=checkin.patient_id, recorded_at=checkin.recorded_at, now=now
    )
    if ended is not None:
        ended.using(alias).delete()
    return True, rows


def _checkin_store(
    *,
    patient: Patient,
    surgery: Surgery | None,
    checkin_id: UUID,
    data: Mapping[str, Any],
    rejected: Mapping[str, list[str]],
    now: datetime,
    reported_by: CaregiverLink | None = None,
) -> CheckInResult:
    """Insert, triage and flag a new check-in; the caller holds the patient's row lock."""
    if surgery is None:
        raise ApplicationError(
            gettext("There is no operation on record yet; ask your care team."), code="no_surgery"
        )
    recorded_at: datetime = data["recorded_at"]
    _check_recorded_at(patient=patient, surgery_date=surgery.date, recorded_at=recorded_at, now=now)
    checkin = CheckIn(
        id=checkin_id,
        patient=patient,
        surgery=surgery,
        recorded_at=recorded_at,
        received_at=now,
        postop_day=postop_day(patient=patient, surgery=surgery, at=recorded_at),
        notes=data.get("notes", ""),
        rejected={name: list(messages) for name, messages in rejected.items()},
        reported_by_caregiver=reported_by,
        **{name: data.get(name) for name in SYMPTOM_FIELDS},
    )
    ruleset = triage_ruleset()
    history = checkin_history_query(
        patient=patient, before=recorded_at, limit=history_limit(ruleset)
    )
    inserted, history_rows = _insert_and_read(checkin, history=history, now=now)
    if not inserted:
        # The id was taken after `_checkin_lock` looked: by this patient's own retry, committed
        # while we waited for the lock (a replay: answer with the stored row), or by another
        # patient at the same moment (a conflict; the transaction rolls back).
        existing = checkin_get_for_replay(patient=patient, checkin_id=checkin_id)
        if existing is None:
            raise _id_conflict()
        return CheckInResult(checkin=existing, created=False)

    findings = evaluate(
        ruleset,
        checkin=checkin.facts(),
        context=triage_context(patient=patient, surgery=surgery, at=recorded_at),
        history=history_rows,
        now=recorded_at,
    )
    raised = flags_apply_findings(
        patient=patient, findings=findings, now=now, checkin=checkin, origin=Flag.Origin.CHECKIN
    )
    # What the patient must see now: this report's most severe finding per category, in the
    # patient's language (issue 19); `language` records which one they were given.
    language = language_or_default(patient.language)
    checkin.flags = [
        {
            "id": str(item.flag.id),
            "category": item.finding.category,
            "severity": item.finding.severity,
            "advice": ruleset.advice_in(item.finding.rule_id, language),
            "language": language,
        }
        for item in raised
    ]
    if checkin.flags:  # most reports raise nothing: the row already holds []
        checkin.save(update_fields=["flags"])
    return CheckInResult(checkin=checkin, created=True)
