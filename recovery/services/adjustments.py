"""A clinician's changes to one patient's plan; each writes a ClinicianAdjustment (who/when/why).

- lift: the restriction stops today (not in force from today on), together with the same
  item in later phases, so "cleared to drive" is not contradicted when the next phase starts;
- extend: the item stays in force until `end_day`, and while it does it takes precedence over
  the next phase's version of the same item (plan_selectors.items_in_force);
- a milestone marked achieved or missed is settled: plan rebuilds keep it;
- an imaging result with a solid fusion marks the fusion milestones achieved (and, on CT, the
  CT fusion check).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from recovery.models import (
    ClinicianAdjustment,
    ImagingResult,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
)
from recovery.selectors.plans import NO_PLAN, plan_current
from recovery.services.attention import attention_refresh_patient

# Milestone codes shared by every pathway template (recovery/pathways/*.yaml).
FUSION_MILESTONES = ("solid_fusion",)
CT_FUSION_MILESTONES = ("ct_fusion_1y",)
MAX_PLAN_DAY = 3650  # ten years: anything later is a typo, not a plan


def _plan(patient: Patient) -> PatientPlan:
    plan = plan_current(patient=patient)
    if plan is None:
        raise ApplicationError(NO_PLAN, code="no_plan", status_code=404)
    return plan


def _not_found(what: str) -> ApplicationError:
    return ApplicationError(f"No such {what}.", code="not_found", status_code=404)


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why the plan is changed.", fields={"reason": ["This field is required."]}
        )
    return reason


@transaction.atomic
def plan_item_adjust(
    *,
    patient: Patient,
    item_id: uuid.UUID | str,
    action: str,
    reason: str,
    actor: Any,
    today: datetime.date,
    end_day: int | None = None,
) -> ClinicianAdjustment:
    """Lift or extend one item of the patient's current plan. Raises ApplicationError."""
    plan = _plan(patient)
    reason = _require_reason(reason)
    item = (
        PlanItem.objects.select_for_update()
        .filter(plan=plan, id=item_id, retired_at__isnull=True)
        .first()
    )
    if item is None:
        raise _not_found("plan item")
    day = (today - plan.surgery.date).days
    if action == "lift":
        return _lift(patient, item, day=day, reason=reason, actor=actor)
    if action == "extend":
        return _extend(patient, item, day=day, end_day=end_day, reason=reason, actor=actor)
    raise ApplicationError("Unknown action.", fields={"action": ["Use 'lift' or 'extend'."]})


def _lift(
    patient: Patient, item: PlanItem, *, day: int, reason: str, actor: Any
) -> ClinicianAdjustment:
    end = item.effective_end_day
    if end is not None and end < day:
        raise ApplicationError(
            "This item has already ended.",
            code="already_ended",
            fields={"action": [f"It ended on post-operative day {end}."]},
        )
    later = list(
        PlanItem.objects.select_for_update()
        .filter(plan_id=item.plan_id, code=item.code, retired_at__isnull=True)
        .filter(start_day__gt=item.start_day)
    )
    now = timezone.now()
    changed = []
    for target in [item, *later]:
        target_end = target.effective_end_day
        if target_end is not None and target_end < day:
            continue
        # Not in force from today: the window ends yesterday (or is empty when it had not begun).
        target.adjusted_end_day = max(target.start_day - 1, day - 1)
        target.adjusted_at = target.lifted_at = now
        target.adjusted_by = actor
        target.adjustment_reason = reason
        changed.append(target)
    PlanItem.objects.bulk_update(
        changed,
        ["adjusted_end_day", "adjusted_at", "lifted_at", "adjusted_by", "adjustment_reason"],
    )
    return ClinicianAdjustment.objects.create(
        patient=patient,
        actor=actor,
        kind=ClinicianAdjustment.Kind.LIFT_RESTRICTION,
        reason=reason,
        item=item,
        payload={
            "code": item.code,
            "postop_day": day,
            "previous_end_day": end,
            "end_day": item.adjusted_end_day,
            "items": [str(t.id) for t in changed],
        },
    )


def _extend(
    patient: Patient, item: PlanItem, *, day: int, end_day: int | None, reason: str, actor: Any
) -> ClinicianAdjustment:
    end = item.effective_end_day
    if end_day is None:
        raise ApplicationError(
            "Give the new end day.", fields={"end_day": ["Required to extend an item."]}
        )
    if end is None:
        raise ApplicationError(
            "This item has no end to extend.",
            code="open_ended",
            fields={"action": ["The item is in force with no end day."]},
        )
    if end_day <= end or end_day > MAX_PLAN_DAY:
        raise ApplicationError(
            "The new end day must be later than the current one.",
            fields={"end_day": [f"Use a post-operative day after {end} (at most {MAX_PLAN_DAY})."]},
        )
    now = timezone.now()
    item.adjusted_end_day = end_day
    item.adjusted_at = now
    item.lifted_at = None
    item.adjusted_by = actor
    item.adjustment_reason = reason
    item.save(
        update_fields=[
            "adjusted_end_day",
            "adjusted_at",
            "lifted_at",
            "adjusted_by",
            "adjustment_reason",
        ]
    )
    return ClinicianAdjustment.objects.create(
        patient=patient,
        actor=actor,
        kind=ClinicianAdjustment.Kind.EXTEND_RESTRICTION,
        reason=reason,
        item=item,
        payload={"code": item.code, "postop_day": day, "previous_end_day": end, "end_day": end_day},
    )


def _check_event_date(
    on: datetime.date, *, plan: PatientPlan, today: datetime.date, field: str = "date"
) -> None:
    if on > today:
        raise ApplicationError("The date is in the future.", fields={field: ["Not in the future."]})
    if on < plan.surgery.date:
        raise ApplicationError(
            "The date is before the surgery.", fields={field: ["Not before the surgery date."]}
        )


def _settle(milestone: Milestone, *, status: str, on: datetime.date, note: str, actor: Any) -> None:
    milestone.status = status
    milestone.achieved_on = on if status == Milestone.Status.ACHIEVED else None
    milestone.status_changed_at = timezone.now()
    milestone.recorded_by = actor
    milestone.note = note
    milestone.save(
        update_fields=["status", "achieved_on", "status_changed_at", "recorded_by", "note"]
    )
    if milestone.repeat_every_days:
        _schedule_next_occurrence(milestone)


def _schedule_next_occurrence(milestone: Milestone) -> None:
    step = datetime.timedelta(days=milestone.repeat_every_days or 0)
    Milestone.objects.get_or_create(
        plan_id=milestone.plan_id,
        code=milestone.code,
        occurrence=milestone.occurrence + 1,
        defaults={
            "title": milestone.title,
            "detail": milestone.detail,
            "kind": milestone.kind,
            "applies_if": milestone.applies_if,
            "day_min": milestone.day_min + step.days,
            "day_max": milestone.day_max + step.days,
            "target_date_min": milestone.target_date_min + step,
            "target_date_max": milestone.target_date_max + step,
            "repeat_every_days": milestone.repeat_every_days,
            "sources": milestone.sources,
            "range_note": milestone.range_note,
            "template_code": milestone.template_code,
            "template_version": milestone.template_version,
            "self_report": milestone.self_report,
        },
    )


_KIND_FOR_STATUS = {
    Milestone.Status.ACHIEVED: ClinicianAdjustment.Kind.MILESTONE_ACHIEVED,
    Milestone.Status.MISSED: ClinicianAdjustment.Kind.MILESTONE_MISSED,
}


@transaction.atomic
def milestone_status_set(
    *,
    patient: Patient,
    milestone_id: uuid.UUID | str,
    status: str,
    actor: Any,
    today: datetime.date,
    on: datetime.date | None = None,
    note: str = "",
    date_field: str = "date",
) -> ClinicianAdjustment:
    """Mark a milestone achieved (on `on`, default today) or missed. Re-marking corrects it.

    A date before the surgery or after `today` is a 400 naming `date_field` (the request's
    name for it)."""
    if status not in _KIND_FOR_STATUS:
        raise ApplicationError(
            "Unknown status.", fields={"status": ["Use 'achieved' or 'missed'."]}
        )
    plan = _plan(patient)
    milestone = Milestone.objects.select_for_update().filter(plan=plan, id=milestone_id).first()
    if milestone is None:
        raise _not_found("milestone")
    on = on or today
    _check_event_date(on, plan=plan, today=today, field=date_field)
    previous = milestone.status
    _settle(milestone, status=status, on=on, note=note.strip(), actor=actor)
    # The worklist's attention summary (issue 16): a recorded milestone is no longer overdue.
    attention_refresh_patient(patient_id=patient.id, now=timezone.now())
    return ClinicianAdjustment.objects.create(
        patient=patient,
        actor=actor,
        kind=_KIND_FOR_STATUS[Milestone.Status(status)],
        reason=note.strip(),
        milestone=milestone,
        payload={
            "code": milestone.code,
            "occurrence": milestone.occurrence,
            "status": status,
            "previous_status": previous,
            "date": on.isoformat(),
        },
    )


@transaction.atomic
def imaging_result_record(
    *,
    patient: Patient,
    on: datetime.date,
    modality: str,
    finding: str,
    actor: Any,
    today: datetime.date,
    note: str = "",
) -> tuple[ImagingResult, ClinicianAdjustment]:
    """Record a post-operative imaging result; a solid fusion settles the fusion milestones."""
    plan = _plan(patient)
    _check_event_date(on, plan=plan, today=today)
    result = ImagingResult(
        patient=patient,
        date=on,
        modality=modality,
        finding=finding,
        note=note.strip(),
        recorded_by=actor,
    )
    result.full_clean()
    result.save()

    achieved: list[Milestone] = []
    if finding == ImagingResult.Finding.SOLID_FUSION:
        codes = FUSION_MILESTONES + (
            CT_FUSION_MILESTONES if modality == ImagingResult.Modality.CT else ()
        )
        achieved = list(
            Milestone.objects.select_for_update().filter(
                plan=plan, code__in=codes, status=Milestone.Status.PENDING
            )
        )
    why = f"Solid fusion on {result.get_modality_display()} of {on.isoformat()}."
    for milestone in achieved:
        _settle(milestone, status=Milestone.Status.ACHIEVED, on=on, note=why, actor=actor)
        ClinicianAdjustment.objects.create(
            patient=patient,
            actor=actor,
            kind=ClinicianAdjustment.Kind.MILESTONE_ACHIEVED,
            reason=why,
            milestone=milestone,
            imaging_result=result,
            payload={
                "code": milestone.code,
                "occurrence": milestone.occurrence,
                "status": "achieved",
                "previous_status": "pending",
                "date": on.isoformat(),
            },
        )
    adjustment = ClinicianAdjustment.objects.create(
        patient=patient,
        actor=actor,
        kind=ClinicianAdjustment.Kind.IMAGING_RESULT,
        reason=result.note,
        imaging_result=result,
        payload={
            "date": on.isoformat(),
            "modality": modality,
            "finding": finding,
            "milestones_achieved": [m.code for m in achieved],
        },
    )
    if achieved:  # the worklist's attention summary (issue 16)
        attention_refresh_patient(patient_id=patient.id, now=timezone.now())
    return result, adjustment
