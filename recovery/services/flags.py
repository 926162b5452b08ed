"""Flags: raising them from triage findings, alerting the care team, acting on them, escalating.

Writers hold the patient's row lock (`patient_lock`) while they upsert, so the partial unique
constraint (one live flag per patient and category) is never raced into an IntegrityError.
Alerts go through `notifications.notify`, which writes outbox rows inside our transaction and
delivers after commit; its idempotency keys make each alert happen at most once per member:
a flag's opening and each rise in severity (`flag:<id>:<severity>`), each new finding on a
live flag (`flag:<id>:<severity>:finding:<rule id>`), and each escalation level of each
escalation round. What a finding does to a flag is decided by the pure
`recovery.services.flag_decisions.flag_decide`, which the simulator calls too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest

from core.exceptions import ApplicationError
from notifications.services import Message, notify
from recovery.models import AccessEvent, CareTeamMembership, CheckIn, Flag, FlagFinding, Patient
from recovery.selectors import current_surgery
from recovery.services.audit import access_event_record
from recovery.services.flag_decisions import FlagAction, LiveFlag, flag_decide
from recovery.services.triage_facts import (
    checkin_history,
    history_limit,
    triage_context,
    triage_ruleset,
)
from recovery.triage import Finding, evaluate_trends, most_severe_per_category, severity_rank

logger = logging.getLogger(__name__)

TEMPLATE_FLAG = "careteam_flag"
TEMPLATE_ESCALATED = "careteam_flag_escalated"

# Defaults for settings.TRIAGE_ESCALATION; a deployment overrides any subset of the keys.
# The targets: an unacknowledged urgent flag is escalated after 2 hours, an emergency
# one after 15 minutes; the coordinator is reached after the same delay again.
ESCALATION_DEFAULTS: dict[str, timedelta] = {
    "urgent_after": timedelta(hours=2),
    "emergency_after": timedelta(minutes=15),
    "urgent_coordinator_after": timedelta(hours=2),
    "emergency_coordinator_after": timedelta(minutes=15),
}


@dataclass(frozen=True)
class RaisedFlag:
    """A flag touched by one evaluation, and the finding the patient is shown for it."""

    flag: Flag
    finding: Finding


def patient_lock(*, patient_id: UUID) -> Patient:
    """Serialise a patient's writers (check-ins and trend runs) for this transaction."""
    return Patient.objects.select_for_update().get(id=patient_id)


def flag_link(flag: Flag) -> str:
    return f"/dashboard/flags/{flag.id}/"


def _alert_context(flag: Flag) -> dict[str, str | int]:
    # Opaque ids only: the message body never names a symptom (notifications.catalogue).
    return {"flag_id": str(flag.id), "patient_id": str(flag.patient_id)}


# ----------------------------------------------------------------------------------- alerts


def _team_members(patient: Patient) -> list[CareTeamMembership]:
    return list(CareTeamMembership.objects.filter(team_id=patient.care_team_id).order_by("id"))


@dataclass(frozen=True)
class _Alert:
    flag: Flag
    # Names what the team is told about: the flag at its severity (opened, or risen), or one
    # new finding on it. The same stem twice is one alert (notify ignores a repeated key).
    key_stem: str


def _alert_team(*, alerts: Sequence[_Alert], patient: Patient) -> int:
    """Tell every member of the patient's team, once per alert key."""
    if not alerts:
        return 0
    members = _team_members(patient)
    messages = [
        Message(
            recipient_id=member.user_id,
            template=TEMPLATE_FLAG,
            idempotency_key=f"{alert.key_stem}:{member.user_id}",
            context=_alert_context(alert.flag),
            urgent=alert.flag.severity_rank >= severity_rank(Flag.Severity.URGENT),
            link=flag_link(alert.flag),
        )
        for alert in alerts
        for member in members
    ]
    if not messages:
        logger.warning("flag raised for a patient whose care team has no members")
        return 0
    return notify(messages)


# ----------------------------------------------------------------------------------- upsert


def _categories_closed_since_last_checkin(
    *, patient: Patient, categories: Iterable[str]
) -> set[str]:
    """Categories with a flag closed by the team after the patient's latest check-in.

    Trend rules see the same history every hour: without this, dismissing a silence or
    persistent-fever flag would open a fresh one at the next run, with no new evidence.
    """
    categories = list(categories)
    if not categories:
        return set()
    last_received = CheckIn.objects.filter(patient=patient).aggregate(last=Max("received_at"))[
        "last"
    ]
    closed = Flag.objects.filter(
        patient=patient,
        category__in=categories,
        status__in=[Flag.Status.RESOLVED, Flag.Status.DISMISSED],
    ).exclude(status=Flag.Status.RESOLVED, resolved_by__isnull=True)  # closed by the system
    if last_received is not None:
        closed = closed.filter(
            Q(resolved_at__gte=last_received) | Q(dismissed_at__gte=last_received)
        )
    return set(closed.values_list("category", flat=True).distinct())


def _take_finding(flag: Flag, finding: Finding) -> None:
    flag.set_severity(finding.severity)
    flag.rule_id = finding.rule_id
    flag.rule_version = finding.rule_version
    flag.ruleset_version = finding.ruleset_version
    flag.facts = finding.facts
    flag.advice = finding.advice
    flag.rationale = finding.rationale
    flag.sources = list(finding.sources)


def _restart_escalation(flag: Flag, now: datetime) -> None:
    flag.status = Flag.Status.OPEN
    flag.acknowledged_by = None
    flag.acknowledged_at = None
    flag.escalation_level = 0
    flag.escalated_at = None
    flag.alerted_at = now


def _fired(flags: Iterable[Flag]) -> dict[UUID, set[tuple[str, str]]]:
    """(rule_id, severity) of every finding each flag holds, in one query."""
    fired: dict[UUID, set[tuple[str, str]]] = {}
    for flag in flags:
        # The headline counts even if its finding row predates the findings table.
        fired[flag.id] = {(flag.rule_id, flag.severity)}
    rows = FlagFinding.objects.filter(flag_id__in=list(fired)).values_list(
        "flag_id", "rule_id", "severity"
    )
    for flag_id, rule_id, severity in rows:
        fired[flag_id].add((rule_id, severity))
    return fired


def _group_by_category(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.category, []).append(finding)
    # Most severe category first, as most_severe_per_category orders them.
    return {
        best.category: grouped[best.category]
        for best in most_severe_per_category(f for group in grouped.values() for f in group)
    }


def flags_apply_findings(
    *,
    patient: Patient,
    findings: Iterable[Finding],
    now: datetime,
    checkin: CheckIn | None = None,
    origin: str = Flag.Origin.CHECKIN,
) -> list[RaisedFlag]:
    """Upsert one flag per category from this evaluation's findings, record them, then alert.

    What happens to each category's flag is `flag_decide`'s decision (open / take a more
    severe finding / re-alert on a new finding / keep); every new finding is recorded as a
    FlagFinding with the facts it saw, and the check-in is linked to the flag. The patient is
    shown each category's most severe finding of this evaluation. The caller holds
    `patient_lock`.
    """
    grouped = _group_by_category(findings)
    if not grouped:
        return []
    live = {
        flag.category: flag
        for flag in Flag.objects.select_for_update().filter(
            patient=patient, status__in=Flag.LIVE_STATUSES, category__in=list(grouped)
        )
    }
    fired = _fired(live.values())
    closed = (
        _categories_closed_since_last_checkin(
            patient=patient, categories=[c for c in grouped if c not in live]
        )
        if origin == Flag.Origin.TREND
        else set()
    )
    raised: list[RaisedFlag] = []
    alerts: list[_Alert] = []
    recorded: list[FlagFinding] = []
    for category, found in grouped.items():
        flag = live.get(category)
        state = None
        if flag is not None:
            state = LiveFlag(
                severity=flag.severity, status=flag.status, fired=frozenset(fired[flag.id])
            )
        decision = flag_decide(
            live=state,
            findings=found,
            from_trend=origin == Flag.Origin.TREND,
            evidence_closed=category in closed,
        )
        if decision.action == FlagAction.SKIP:
            continue
        if flag is None:
            assert decision.headline is not None
            flag = Flag(patient=patient, category=category, origin=origin, opened_at=now)
            _take_finding(flag, decision.headline)
            flag.updated_at = flag.alerted_at = now
            flag.save(force_insert=True)
            alerts.append(_Alert(flag, f"flag:{flag.id}:{flag.severity}"))
        elif decision.action in (FlagAction.TAKE, FlagAction.REALERT):
            if decision.headline is not None:
                _take_finding(flag, decision.headline)
            if decision.restart_escalation:
                _restart_escalation(flag, now)
            flag.updated_at = now
            flag.save()
            alert = decision.alert
            assert alert is not None
            alerts.append(
                _Alert(flag, f"flag:{flag.id}:{flag.severity}")
                if decision.action == FlagAction.TAKE
                else _Alert(flag, f"flag:{flag.id}:{alert.severity}:finding:{alert.rule_id}")
            )
        elif checkin is not None:
            flag.updated_at = now
            flag.save(update_fields=["updated_at"])
        recorded += [
            FlagFinding(
                flag=flag,
                rule_id=finding.rule_id,
                rule_version=finding.rule_version,
                ruleset_version=finding.ruleset_version,
                severity=finding.severity,
                facts=finding.facts,
                checkin=checkin,
                at=now,
            )
            for finding in decision.record
        ]
        if checkin is not None:
            flag.checkins.add(checkin)
        [shown] = most_severe_per_category(found)
        raised.append(RaisedFlag(flag=flag, finding=shown))
    if recorded:
        FlagFinding.objects.bulk_create(recorded)
    _alert_team(alerts=alerts, patient=patient)
    return raised


SILENCE_ANSWERED_NOTE = "Closed automatically: the patient checked in again."


def flags_close_answered_silence(*, patient: Patient, now: datetime) -> int:
    """A check-in answers a silence flag: resolve the patient's live one, by the system.

    Nobody is credited (`resolved_by` stays empty) and no outcome is claimed; the note says why.
    Such a closure does not hold back a new silence flag (see `_evidence_closed`): if the
    patient falls silent again, the trend rule raises one. The caller holds `patient_lock`.
    """
    return Flag.objects.filter(
        patient=patient, category="silence", status__in=Flag.LIVE_STATUSES
    ).update(
        status=Flag.Status.RESOLVED,
        resolved_at=now,
        resolution_note=SILENCE_ANSWERED_NOTE,
        updated_at=now,
    )


# ------------------------------------------------------------------------------ transitions


def _transition_error(flag: Flag, verb: str) -> ApplicationError:
    if flag.status == Flag.Status.ACKNOWLEDGED and verb == "acknowledged":
        message = "This flag is already acknowledged."
    elif flag.status in (Flag.Status.RESOLVED, Flag.Status.DISMISSED):
        message = f"This flag is already {flag.status}; a {flag.status} flag cannot be {verb}."
    else:
        message = f"A flag that is {flag.status} cannot be {verb}."
    return ApplicationError(message, code="invalid_transition")


def flag_lock(flag: Flag) -> Flag:
    return Flag.objects.select_for_update().get(id=flag.id)


def flag_audit(*, actor: Any, flag: Flag, action: str, request: HttpRequest | None) -> None:
    access_event_record(
        actor=actor,
        patient=Patient(id=flag.patient_id),
        action=action,
        object_type="flag",
        object_id=flag.id,
        request=request,
    )


@transaction.atomic
def flag_acknowledge(
    *, flag: Flag, actor: Any, now: datetime, request: HttpRequest | None = None
) -> Flag:
    flag = flag_lock(flag)
    if flag.status != Flag.Status.OPEN:
        raise _transition_error(flag, "acknowledged")
    flag.status = Flag.Status.ACKNOWLEDGED
    flag.acknowledged_by = actor
    flag.acknowledged_at = now
    flag.updated_at = now
    flag.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
    flag_audit(actor=actor, flag=flag, action=AccessEvent.Action.FLAG_ACKNOWLEDGE, request=request)
    return flag


@transaction.atomic
def flag_resolve(
    *,
    flag: Flag,
    actor: Any,
    outcome: str,
    note: str = "",
    now: datetime,
    request: HttpRequest | None = None,
) -> Flag:
    if outcome not in Flag.Outcome.values:
        raise ApplicationError(
            "Unknown outcome.",
            fields={"outcome": [f"Choose one of: {', '.join(Flag.Outcome.values)}."]},
        )
    flag = flag_lock(flag)
    if not flag.is_live:
        raise _transition_error(flag, "resolved")
    flag.status = Flag.Status.RESOLVED
    flag.resolved_by = actor
    flag.resolved_at = now
    flag.resolution_outcome = outcome
    flag.resolution_note = note
    flag.updated_at = now
    flag.save(
        update_fields=[
            "status",
            "resolved_by",
            "resolved_at",
            "resolution_outcome",
            "resolution_note",
            "updated_at",
        ]
    )
    flag_audit(actor=actor, flag=flag, action=AccessEvent.Action.FLAG_RESOLVE, request=request)
    return flag


@transaction.atomic
def flag_dismiss(
    *, flag: Flag, actor: Any, reason: str, now: datetime, request: HttpRequest | None = None
) -> Flag:
    if not reason.strip():
        raise ApplicationError(
            "A dismissal needs a reason.", fields={"reason": ["This field may not be blank."]}
        )
    flag = flag_lock(flag)
    if not flag.is_live:
        raise _transition_error(flag, "dismissed")
    flag.status = Flag.Status.DISMISSED
    flag.dismissed_by = actor
    flag.dismissed_at = now
    flag.dismiss_reason = reason
    flag.updated_at = now
    flag.save(
        update_fields=["status", "dismissed_by", "dismissed_at", "dismiss_reason", "updated_at"]
    )
    flag_audit(actor=actor, flag=flag, action=AccessEvent.Action.FLAG_DISMISS, request=request)
    return flag


# ------------------------------------------------------------------------------- escalation


def escalation_delays() -> dict[str, timedelta]:
    """settings.TRIAGE_ESCALATION merged over ESCALATION_DEFAULTS (read at call time)."""
    return {**ESCALATION_DEFAULTS, **getattr(settings, "TRIAGE_ESCALATION", {})}


def _escalation_recipients(*, patient: Patient, level: int) -> list[CareTeamMembership]:
    members = _team_members(patient)
    coordinators = [m for m in members if m.role == CareTeamMembership.Role.COORDINATOR]
    if level == 1:
        # Level 1 re-alerts the clinical members; a team of coordinators only gets them now.
        return [m for m in members if m.role != CareTeamMembership.Role.COORDINATOR] or members
    return coordinators


@transaction.atomic
def flag_escalate(*, flag_id: UUID, from_level: int, now: datetime) -> bool:
    """Move an unacknowledged flag one escalation level up and alert that level, exactly once.

    The conditional update is the claim: a second sweep (or a racing acknowledgement) finds
    the row no longer matching and does nothing.
    """
    claimed = Flag.objects.filter(
        id=flag_id, status=Flag.Status.OPEN, escalation_level=from_level
    ).update(escalation_level=from_level + 1, escalated_at=now, updated_at=now)
    if not claimed:
        return False
    flag = Flag.objects.select_related("patient").get(id=flag_id)
    level = from_level + 1
    # A flag reopened by a new finding escalates afresh: its escalation round (the alert that
    # started the clock) is part of the key, so the earlier round's alerts do not absorb it.
    round_ = int(flag.alerted_at.timestamp()) if flag.alerted_at else 0
    recipients = _escalation_recipients(patient=flag.patient, level=level)
    if not recipients:
        logger.warning("flag %s escalation level %s has nobody to alert", flag.id, level)
    notify(
        Message(
            recipient_id=member.user_id,
            template=TEMPLATE_ESCALATED,
            idempotency_key=(
                f"flag:{flag.id}:{flag.severity}:escalation{level}:{round_}:{member.user_id}"
            ),
            context=_alert_context(flag),
            urgent=True,
            link=flag_link(flag),
        )
        for member in recipients
    )
    return True


def flags_due_for_escalation(*, now: datetime, limit: int = 500) -> list[tuple[UUID, int]]:
    """(flag id, current level) for every open urgent/emergency flag whose delay has passed."""
    delays = escalation_delays()
    due = Q()
    for severity in (Flag.Severity.URGENT, Flag.Severity.EMERGENCY):
        due |= Q(
            severity=severity,
            escalation_level=0,
            alerted_at__lte=now - delays[f"{severity}_after"],
        )
        due |= Q(
            severity=severity,
            escalation_level=1,
            escalated_at__lte=now - delays[f"{severity}_coordinator_after"],
        )
    rows = (
        # severity_rank >= 1 lets the planner use the partial index flag_escalation_due.
        Flag.objects.filter(due, status=Flag.Status.OPEN, severity_rank__gte=1)
        .order_by("-severity_rank", "alerted_at")
        .values_list("id", "escalation_level")[:limit]
    )
    return list(rows)


def flags_escalate_due(*, now: datetime) -> int:
    """Escalate every due flag by one level; returns how many moved."""
    return sum(
        flag_escalate(flag_id=flag_id, from_level=level, now=now)
        for flag_id, level in flags_due_for_escalation(now=now)
    )


# ----------------------------------------------------------------------------------- trends


@transaction.atomic
def patient_trends_evaluate(*, patient_id: UUID, now: datetime) -> list[RaisedFlag]:
    """Run the periodic trend rules for one patient and upsert their flags."""
    patient = patient_lock(patient_id=patient_id)
    surgery = current_surgery(patient)
    if surgery is None:
        return []
    ruleset = triage_ruleset()
    history = checkin_history(patient=patient, limit=history_limit(ruleset))
    findings = evaluate_trends(
        ruleset,
        context=triage_context(patient=patient, surgery=surgery, at=now),
        history=[entry for entry in history if entry["recorded_at"] <= now],
        now=now,
        last_checkin_at=history[0]["recorded_at"] if history else None,
    )
    return flags_apply_findings(
        patient=patient, findings=findings, now=now, origin=Flag.Origin.TREND
    )


def patients_for_trend_evaluation(*, now: datetime) -> list[UUID]:
    """Patients who checked in recently, or are in the first weeks (where silence matters)."""
    ruleset = triage_ruleset()
    watch = ruleset.parameters.get("silence_watch_days")
    watch_days = int(watch.value) if watch else 42
    lookback = getattr(settings, "TRIAGE_TREND_LOOKBACK", timedelta(days=7))
    recent = Q(checkins__received_at__gte=now - lookback)
    # A day of slack: the surgery date is on the patient's calendar, `now` is UTC.
    early = Q(
        surgeries__date__gte=(now - timedelta(days=watch_days + 1)).date(),
        surgeries__date__lte=now.date(),
    )
    # Only activated accounts: a patient who never installed the app is not "silent".
    ids = (
        Patient.objects.filter(recent | early, user__is_active=True)
        .values_list("id", flat=True)
        .distinct()
    )
    return sorted(ids)
