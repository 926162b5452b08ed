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

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.i18n import language_or_default
from recovery.models import CaregiverLink, CheckIn, Flag, Patient
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.selectors import current_surgery, postop_day
from recovery.services.attention import attention_checkin_received
from recovery.services.flags import (
    flags_apply_findings,
    flags_close_answered_silence,
    patient_lock,
)
from recovery.services.triage_facts import (
    checkin_history,
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
    patient = patient_lock(patient_id=patient.id)
    existing = checkin_get_for_replay(patient=patient, checkin_id=submission.checkin_id)
    if existing is not None:
        return CheckInResult(checkin=existing, created=False)
    if submission.unreadable or submission.recorded_at is None:
        raise _unreadable(
            submission.unreadable or {"recorded_at": [gettext("This field is required.")]}
        )
    return _checkin_store(
        patient=patient,
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
    patient = patient_lock(patient_id=patient.id)
    existing = checkin_get_for_replay(patient=patient, checkin_id=checkin_id)
    if existing is not None:
        return CheckInResult(checkin=existing, created=False)
    return _checkin_store(
        patient=patient, checkin_id=checkin_id, data=data, rejected=rejected or {}, now=now
    )


def _checkin_store(
    *,
    patient: Patient,
    checkin_id: UUID,
    data: Mapping[str, Any],
    rejected: Mapping[str, list[str]],
    now: datetime,
    reported_by: CaregiverLink | None = None,
) -> CheckInResult:
    """Insert, triage and flag a new check-in; the caller holds `patient_lock`."""
    surgery = current_surgery(patient)
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
    try:
        with transaction.atomic():
            checkin.save(force_insert=True)
    except IntegrityError as exc:
        # Another patient sent the same id at the same moment (this patient's own replays
        # are serialised by the patient lock and answered above).
        raise _id_conflict() from exc

    ruleset = triage_ruleset()
    findings = evaluate(
        ruleset,
        checkin=checkin.facts(),
        context=triage_context(patient=patient, surgery=surgery, at=recorded_at),
        history=checkin_history(patient=patient, before=recorded_at, limit=history_limit(ruleset)),
        now=recorded_at,
    )
    raised = flags_apply_findings(
        patient=patient, findings=findings, now=now, checkin=checkin, origin=Flag.Origin.CHECKIN
    )
    flags_close_answered_silence(patient=patient, now=now)
    # The worklist's attention summary (issue 16): a recent check-in ends a silence.
    attention_checkin_received(patient_id=patient.id, recorded_at=recorded_at, now=now)
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
