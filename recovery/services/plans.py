"""Building a patient's plan from the pathway template, and rebuilding its future.

`plan_instantiate` copies the template for the surgery's technique into per-patient rows at
enrollment. `plan_rebuild` runs when the surgery date, technique or brace prescription changes:
it replaces only what lies ahead (items starting after today, pending milestones), and keeps
every past entry and every achieved or missed milestone.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from recovery.models import ChecklistEntry, Milestone, Patient, PatientPlan, PlanItem, Surgery
from recovery.pathways import (
    MilestoneSpec,
    PathwayTemplate,
    PlanItemSpec,
    milestones_for,
    pathway_for_technique,
    plan_items_for,
)
from recovery.pathways.logic import translated
from recovery.selectors.plans import pathway_templates, patient_today
from recovery.services.attention import attention_refresh_patient


@dataclass(frozen=True)
class RebuildResult:
    plan: PatientPlan
    items_created: int
    items_removed: int  # deleted, or retired when entries point at them
    items_truncated: int
    milestones_replaced: int


def _risk_profile(surgery: Surgery, patient: Patient) -> dict[str, Any]:
    return {
        "brace_prescribed": surgery.brace_prescribed,
        "smoking_status": patient.smoking_status,
    }


@dataclass(frozen=True)
class _Specs:
    template: PathwayTemplate
    items: list[PlanItemSpec]
    milestones: list[MilestoneSpec]
    phase_titles: dict[str, str]
    # phase code -> language -> {"phase_title": text} (issue 19)
    phase_translations: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


def _specs(
    surgery: Surgery, patient: Patient, templates: Mapping[str, PathwayTemplate] | None
) -> _Specs:
    template = pathway_for_technique(
        surgery.technique, templates if templates is not None else pathway_templates()
    )
    risk = _risk_profile(surgery, patient)
    return _Specs(
        template=template,
        items=plan_items_for(template, **risk),
        milestones=milestones_for(template, **risk),
        phase_titles={phase.code: phase.title for phase in template.phases},
        phase_translations={
            phase.code: {
                language: {"phase_title": text["title"]}
                for language, text in translated(phase.translations, {}).items()
            }
            for phase in template.phases
        },
    )


def plan_item_row(
    plan: PatientPlan,
    spec: PlanItemSpec,
    *,
    phase_title: str,
    position: int,
    start_day: int,
    phase_translations: Mapping[str, Mapping[str, str]] | None = None,
) -> PlanItem:
    translations = {
        language: {**texts, **(phase_translations or {}).get(language, {})}
        for language, texts in spec.translations.items()
    }
    return PlanItem(
        plan=plan,
        position=position,
        code=spec.code,
        title=spec.title,
        detail=spec.detail,
        kind=spec.kind,
        applies_if=spec.applies_if,
        daily_check=spec.daily_check,
        phase_code=spec.phase_code,
        phase_title=phase_title,
        phase_start_day=spec.start_day,
        phase_end_day=spec.end_day,
        start_day=start_day,
        end_day=spec.end_day,
        values=dict(spec.values),
        sources=list(spec.sources),
        range_note=spec.range_note or "",
        template_code=spec.template_code,
        template_version=spec.template_version,
        translations=translations,
    )


def milestone_row(
    plan: PatientPlan, spec: MilestoneSpec, surgery_date: datetime.date, occurrence: int = 1
) -> Milestone:
    # Occurrence n of a recurring milestone is the first window shifted by (n - 1) periods.
    shift = (occurrence - 1) * (spec.repeat_every_days or 0)
    day_min, day_max = spec.day_min + shift, spec.day_max + shift
    return Milestone(
        plan=plan,
        code=spec.code,
        occurrence=occurrence,
        title=spec.title,
        detail=spec.detail,
        kind=spec.kind,
        applies_if=spec.applies_if,
        day_min=day_min,
        day_max=day_max,
        target_date_min=surgery_date + datetime.timedelta(days=day_min),
        target_date_max=surgery_date + datetime.timedelta(days=day_max),
        repeat_every_days=spec.repeat_every_days,
        sources=list(spec.sources),
        range_note=spec.range_note or "",
        template_code=spec.template_code,
        template_version=spec.template_version,
        translations={language: dict(texts) for language, texts in spec.translations.items()},
        self_report=spec.self_report,
    )


@transaction.atomic
def plan_instantiate(
    *, surgery: Surgery, templates: Mapping[str, PathwayTemplate] | None = None
) -> PatientPlan:
    """Copy the template for the surgery's technique into the patient's own rows.

    Idempotent: a surgery that already has a plan keeps it (use plan_rebuild to change it).
    Raises UnknownTechniqueError / PathwayError when the templates cannot serve the surgery.
    """
    existing = PatientPlan.objects.filter(surgery=surgery).first()
    if existing is not None:
        return existing
    patient = surgery.patient
    specs = _specs(surgery, patient, templates)
    plan = PatientPlan.objects.create(
        patient=patient,
        surgery=surgery,
        template_code=specs.template.code,
        template_version=specs.template.version,
        risk_profile=_risk_profile(surgery, patient),
    )
    PlanItem.objects.bulk_create(
        plan_item_row(
            plan,
            spec,
            phase_title=specs.phase_titles[spec.phase_code],
            phase_translations=specs.phase_translations.get(spec.phase_code),
            position=n,
            start_day=spec.start_day,
        )
        for n, spec in enumerate(specs.items)
    )
    Milestone.objects.bulk_create(
        milestone_row(plan, spec, surgery.date) for spec in specs.milestones
    )
    discharge_milestone_record(surgery=surgery, plan=plan)
    return plan


# The pathway milestone a recorded discharge date settles ("Home from hospital").
DISCHARGE_MILESTONE = "discharge"


def discharge_milestone_record(*, surgery: Surgery, plan: PatientPlan | None = None) -> int:
    """A surgery with a discharge date has its discharge milestone achieved on that date
    (issue 16: it was stored, yet the milestone still showed as overdue). Only a pending
    milestone or one recorded from an earlier discharge date is changed; a milestone the team
    marked missed is theirs to correct."""
    if surgery.discharge_date is None:
        return 0
    plan = plan or PatientPlan.objects.filter(surgery=surgery).first()
    if plan is None:
        return 0
    return (
        Milestone.objects.filter(plan=plan, code=DISCHARGE_MILESTONE)
        .exclude(status=Milestone.Status.MISSED)
        .update(
            status=Milestone.Status.ACHIEVED,
            achieved_on=surgery.discharge_date,
            status_changed_at=timezone.now(),
        )
    )


# An item is "unchanged" when its template phase, code, text and version are the same: it is
# kept as it is (with any clinician adjustment) instead of being replaced.
def _spec_key(spec: PlanItemSpec) -> tuple[object, ...]:
    return (spec.template_code, spec.template_version, spec.phase_code, spec.code,
            spec.start_day, spec.end_day, spec.title)  # fmt: skip


def _row_key(item: PlanItem) -> tuple[object, ...]:
    return (item.template_code, item.template_version, item.phase_code, item.code,
            item.phase_start_day, item.phase_end_day, item.title)  # fmt: skip


@transaction.atomic
def plan_rebuild(
    *,
    surgery: Surgery,
    today: datetime.date | None = None,
    templates: Mapping[str, PathwayTemplate] | None = None,
) -> RebuildResult:
    """Rebuild the future of the surgery's plan from its current technique, date and risks.

    With B = tomorrow's post-operative day (on the surgery's current date):
    - an item starting at B or later is replaced by the new template's items (deleted, or
      retired when checklist entries point at it, so past answers are never lost);
    - an item in force today that the new template does not contain unchanged ends today
      (end_day = B - 1), and the new template's item takes over from B;
    - items unchanged in the new template are kept as they are, adjustments included;
    - pending milestones are replaced; achieved and missed ones are kept.
    """
    patient = surgery.patient
    plan = PatientPlan.objects.select_for_update().filter(surgery=surgery).first()
    if plan is None:
        plan_instantiate(surgery=surgery, templates=templates)
        plan = PatientPlan.objects.get(surgery=surgery)
        return RebuildResult(plan, plan.items.count(), 0, 0, 0)

    today = today or patient_today(patient)
    boundary = (today - surgery.date).days + 1
    specs = _specs(surgery, patient, templates)

    live = list(plan.items.filter(retired_at__isnull=True).order_by("position"))
    wanted = {_spec_key(s): s for s in specs.items if s.end_day is None or s.end_day >= boundary}
    kept: set[tuple[object, ...]] = set()
    to_truncate: list[PlanItem] = []
    to_remove: list[PlanItem] = []
    for item in live:
        if item.end_day is not None and item.end_day < boundary:
            continue  # history: its window closed before tomorrow (extensions stay as they are)
        key = _row_key(item)
        spec = wanted.get(key)
        # Unchanged only with its whole remaining window: not truncated by an earlier rebuild,
        # and starting no later than the new plan would start it.
        unchanged = (
            spec is not None
            and key not in kept
            and item.end_day == spec.end_day
            and item.start_day <= max(spec.start_day, boundary)
        )
        if unchanged:
            kept.add(key)
        elif item.start_day >= boundary:
            to_remove.append(item)
        else:
            to_truncate.append(item)

    now = timezone.now()
    answered = set(
        ChecklistEntry.objects.filter(item__in=to_remove).values_list("item_id", flat=True)
    )
    PlanItem.objects.filter(id__in=[i.id for i in to_remove if i.id in answered]).update(
        retired_at=now
    )
    PlanItem.objects.filter(id__in=[i.id for i in to_remove if i.id not in answered]).delete()
    for item in to_truncate:
        item.end_day = boundary - 1
        if item.adjusted_end_day is not None and item.adjusted_end_day > boundary - 1:
            item.adjusted_end_day = boundary - 1
    PlanItem.objects.bulk_update(to_truncate, ["end_day", "adjusted_end_day"])

    new_rows = [
        plan_item_row(
            plan,
            spec,
            phase_title=specs.phase_titles[spec.phase_code],
            phase_translations=specs.phase_translations.get(spec.phase_code),
            position=0,
            start_day=max(spec.start_day, boundary),
        )
        for key, spec in wanted.items()
        if key not in kept
    ]
    PlanItem.objects.bulk_create(new_rows)
    _renumber(plan)

    replaced = _rebuild_milestones(plan, specs.milestones, surgery.date)
    plan.template_code = specs.template.code
    plan.template_version = specs.template.version
    plan.risk_profile = _risk_profile(surgery, patient)
    plan.rebuilt_at = now
    plan.save(update_fields=["template_code", "template_version", "risk_profile", "rebuilt_at"])
    return RebuildResult(plan, len(new_rows), len(to_remove), len(to_truncate), replaced)


def _renumber(plan: PatientPlan) -> None:
    """Order live items by (start day, template order) so the plan reads chronologically."""
    items = list(
        plan.items.filter(retired_at__isnull=True).order_by("start_day", "position", "created_at")
    )
    for n, item in enumerate(items):
        item.position = n
    PlanItem.objects.bulk_update(items, ["position"])


def _rebuild_milestones(
    plan: PatientPlan, specs: list[MilestoneSpec], surgery_date: datetime.date
) -> int:
    """Replace pending milestones; settled (achieved/missed) ones are history and stay."""
    settled: dict[str, int] = {}
    for code, occurrence in plan.milestones.exclude(status=Milestone.Status.PENDING).values_list(
        "code", "occurrence"
    ):
        settled[code] = max(settled.get(code, 0), occurrence)
    replaced, _ = plan.milestones.filter(status=Milestone.Status.PENDING).delete()
    rows = []
    for spec in specs:
        if spec.code not in settled:
            rows.append(milestone_row(plan, spec, surgery_date))
        elif spec.repeat_every_days:
            rows.append(milestone_row(plan, spec, surgery_date, settled[spec.code] + 1))
    Milestone.objects.bulk_create(rows)
    return replaced


# Surgery fields a care team may correct after enrollment.
SURGERY_FIELDS = (
    "date",
    "levels",
    "indication",
    "approach",
    "technique",
    "brace_prescribed",
    "discharge_date",
    "surgeon",
    "instrumentation",
    "graft",
)
_PLAN_FIELDS = {"date", "technique", "brace_prescribed"}


@dataclass(frozen=True)
class SurgeryUpdate:
    surgery: Surgery
    changed: tuple[str, ...]
    rebuild: RebuildResult | None


@transaction.atomic
def surgery_update(
    *, surgery: Surgery, data: Mapping[str, Any], today: datetime.date | None = None
) -> SurgeryUpdate:
    """Correct the surgery record; a new date, technique or brace prescription rebuilds the
    plan's future (see plan_rebuild). Raises ApplicationError with field messages."""
    unknown = set(data) - set(SURGERY_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown surgery fields.", fields={f: ["Not an editable field."] for f in unknown}
        )
    changed = tuple(f for f in SURGERY_FIELDS if f in data and getattr(surgery, f) != data[f])
    for name in changed:
        setattr(surgery, name, data[name])
    errors = _surgery_errors(surgery)
    if errors:
        raise ApplicationError("Invalid surgery.", fields=errors)
    if not changed:
        return SurgeryUpdate(surgery, (), None)
    # created_by may be empty on imported records; it is not what is being corrected here.
    surgery.full_clean(exclude=["created_by"])
    surgery.save()
    rebuild = None
    if _PLAN_FIELDS & set(changed):
        rebuild = plan_rebuild(surgery=surgery, today=today)
    if "discharge_date" in changed or rebuild is not None:
        discharge_milestone_record(surgery=surgery)
    # The worklist's attention summary (issue 16): milestones and follow-up move with the date.
    attention_refresh_patient(patient_id=surgery.patient_id, now=timezone.now())
    return SurgeryUpdate(surgery, changed, rebuild)


def _surgery_errors(surgery: Surgery) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if surgery.discharge_date and surgery.discharge_date < surgery.date:
        errors["discharge_date"] = ["Discharge cannot be before the surgery date."]
    if surgery.technique == "mis_tlif" and surgery.approach != "mis":
        errors["approach"] = ["MIS-TLIF is a minimally invasive ('mis') approach."]
    if surgery.technique == "tlif" and surgery.approach != "open":
        errors["technique"] = ["Use 'mis_tlif' for a minimally invasive TLIF."]
    if surgery.date < surgery.patient.date_of_birth:
        errors["date"] = ["The surgery cannot be before the date of birth."]
    return errors
