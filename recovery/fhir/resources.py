"""Pure builders: one model row (already loaded) in, FHIR R4 resource dicts out.

No queries happen here: bundle.py loads the rows and their relations, these functions only
read attributes. Every resource id is the row's UUID, or a UUID derived deterministically
from it (uuid5), so exporting the same record twice yields the same ids and references.
Within the bundle, entries are addressed as `urn:uuid:<id>` and references use that form.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from recovery.fhir import codes
from recovery.fhir.codes import concept, local_coding

Resource = dict[str, Any]


# References and ids -----------------------------------------------------------------------


def derived_id(parent: uuid.UUID | str, name: str) -> str:
    """A stable id for a resource that has no row of its own (an observation of a check-in)."""
    return str(uuid.uuid5(uuid.UUID(str(parent)), name))


def practitioner_id(user_pk: object) -> str:
    return str(uuid.uuid5(codes.ID_NAMESPACE, f"user:{user_pk}"))


def ref(resource_id: object, display: str | None = None) -> dict[str, str]:
    reference = {"reference": f"urn:uuid:{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def entry(resource: Resource) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def instant(moment: datetime) -> str:
    # FHIR instants and dateTimes need a zone: UTC, written as "Z", to the second.
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def number(value: Decimal | float | int) -> float | int:
    """JSON has no Decimal; whole numbers stay integers so '40' does not become '40.0'."""
    as_decimal = Decimal(str(value))
    return int(as_decimal) if as_decimal == as_decimal.to_integral_value() else float(as_decimal)


def quantity(value: Decimal | float | int, unit: tuple[str, str]) -> dict[str, Any]:
    human, ucum = unit
    return {"value": number(value), "unit": human, "system": codes.UCUM, "code": ucum}


# Patient, team, practitioners -------------------------------------------------------------


def patient_resource(patient: Any) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "identifier": [{"system": codes.URI_IDENTIFIER, "value": f"urn:uuid:{patient.id}"}],
        "active": True,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "gender": patient.sex,  # our choices are exactly AdministrativeGender's codes
        "birthDate": patient.date_of_birth.isoformat(),
        "communication": [
            {
                "language": concept({"system": codes.BCP47, "code": patient.language}),
                "preferred": True,
            }
        ],
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def practitioner_resource(user: Any) -> Resource:
    full_name = " ".join(part for part in (user.first_name, user.last_name) if part)
    name: dict[str, Any] = {"text": full_name or user.get_username()}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return {
        "resourceType": "Practitioner",
        "id": practitioner_id(user.pk),
        "active": bool(user.is_active),
        "name": [name],
    }


def care_team_resource(patient: Any, team: Any, memberships: Iterable[Any]) -> Resource:
    participants = [
        {
            "role": [
                concept(
                    local_coding("care-team-role", m.role, m.get_role_display()),
                    text=m.get_role_display(),
                )
            ],
            "member": ref(practitioner_id(m.user_id)),
        }
        for m in memberships
    ]
    resource: Resource = {
        "resourceType": "CareTeam",
        "id": str(team.id),
        "status": "active",
        "name": team.name,
        "subject": ref(patient.id),
    }
    if participants:
        resource["participant"] = participants
    return resource


# Surgery: encounter, procedure, implants --------------------------------------------------


def surgery_status(surgery: Any, today: date) -> str:
    return "completed" if surgery.date <= today else "preparation"


def encounter_resource(patient: Any, surgery: Any, today: date) -> Resource:
    if surgery.date > today:
        status = "planned"
    elif surgery.discharge_date and surgery.discharge_date <= today:
        status = "finished"
    else:
        status = "in-progress"
    period = {"start": surgery.date.isoformat()}
    if surgery.discharge_date:
        period["end"] = surgery.discharge_date.isoformat()
    return {
        "resourceType": "Encounter",
        "id": derived_id(surgery.id, "encounter"),
        "status": status,
        "class": codes.INPATIENT.coding(),
        "subject": ref(patient.id),
        "period": period,
    }


def device_resources(patient: Any, surgery: Any) -> list[Resource]:
    """One Device per recorded implant: type, manufacturer and the other keys we know."""
    devices = []
    for index, implant in enumerate(surgery.implants or []):
        if not isinstance(implant, Mapping):
            continue
        kind = str(implant.get("type") or "implant")
        label = kind.replace("_", " ").capitalize()
        device: Resource = {
            "resourceType": "Device",
            "id": derived_id(surgery.id, f"implant:{index}"),
            "status": "active",
            "type": concept(local_coding("implant-type", kind, label), text=label),
            "patient": ref(patient.id),
        }
        for key, element in (
            ("manufacturer", "manufacturer"),
            ("model", "modelNumber"),
            ("lot", "lotNumber"),
            ("serial", "serialNumber"),
        ):
            if implant.get(key):
                device[element] = str(implant[key])
        if implant.get("size"):
            device["property"] = [
                {"type": {"text": "size"}, "valueCode": [{"text": str(implant["size"])}]}
            ]
        extra = sorted(set(implant) - {"type", "manufacturer", "model", "lot", "serial", "size"})
        if extra:
            device["note"] = [{"text": "; ".join(f"{k}: {implant[k]}" for k in extra)}]
        devices.append(device)
    return devices


def procedure_resource(patient: Any, surgery: Any, today: date) -> Resource:
    technique = surgery.get_technique_display()
    status = surgery_status(surgery, today)
    resource: Resource = {
        "resourceType": "Procedure",
        "id": str(surgery.id),
        "extension": [
            {
                "url": codes.EXT_PROCEDURE_METHOD,
                "valueCodeableConcept": concept(
                    local_coding(
                        "surgical-approach", surgery.approach, surgery.get_approach_display()
                    ),
                    text=surgery.get_approach_display(),
                ),
            }
        ],
        "status": status,
        "code": concept(
            local_coding("surgical-technique", surgery.technique, technique),
            text=f"Lumbar spinal fusion: {technique}",
        ),
        "subject": ref(patient.id),
        "encounter": ref(derived_id(surgery.id, "encounter")),
        "reasonCode": [
            concept(
                local_coding(
                    "surgery-indication", surgery.indication, surgery.get_indication_display()
                ),
                text=surgery.get_indication_display(),
            )
        ],
        "bodySite": [
            concept(
                local_coding("spinal-level", level, f"{level} spinal motion segment"),
                text=f"{level} spinal motion segment",
            )
            for level in surgery.levels.split(",")
        ],
    }
    if status == "completed":
        resource["performedDateTime"] = surgery.date.isoformat()
    if surgery.surgeon:
        # A free-text name, not one of our users: a display-only reference.
        resource["performer"] = [{"actor": {"display": surgery.surgeon}}]
    devices = device_resources(patient, surgery)
    if devices:
        resource["focalDevice"] = [{"manipulated": ref(device["id"])} for device in devices]
    notes = [
        f"{label}: {value}"
        for label, value in (
            ("Instrumentation", surgery.instrumentation),
            ("Graft", surgery.graft),
            ("Brace prescribed", "yes" if surgery.brace_prescribed else "no"),
        )
        if value
    ]
    resource["note"] = [{"text": "; ".join(notes)}]
    return resource


# Recovery plan: CarePlan activities and Goals ---------------------------------------------


def _day(surgery_date: date, postop_day: int) -> str:
    return (surgery_date + timedelta(days=postop_day)).isoformat()


def activity_status(item: Any, postop_day: int) -> str:
    """CarePlan.activity.detail.status of a plan item on the patient's post-op day."""
    end = item.effective_end_day
    if postop_day < item.start_day:
        return "not-started"
    if end is None or postop_day <= end:
        return "in-progress"
    return "stopped" if item.lifted_at is not None else "completed"


def is_prohibition(item: Any) -> bool:
    return (
        item.kind == "restriction"
        and item.code in codes.PROHIBITED_ACTIVITIES
        and item.title.startswith(codes.PROHIBITION_PREFIXES)
    )


def care_plan_activity(item: Any, surgery_date: date, postop_day: int) -> dict[str, Any]:
    prohibited = is_prohibition(item)
    display = codes.PROHIBITED_ACTIVITIES[item.code] if prohibited else item.title
    period = {"start": _day(surgery_date, item.start_day)}
    if item.effective_end_day is not None:
        period["end"] = _day(surgery_date, item.effective_end_day)
    return {
        "detail": {
            "code": concept(local_coding(f"plan-{item.kind}", item.code, display), text=display),
            "status": activity_status(item, postop_day),
            "doNotPerform": prohibited,
            "scheduledPeriod": period,
            # The instruction exactly as the patient read it.
            "description": item.title,
        }
    }


def care_plan_resource(
    patient: Any,
    plan: Any,
    surgery: Any,
    items: Sequence[Any],
    goal_ids: Sequence[str],
    care_team_id: object,
    today: date,
    *,
    current: bool = True,
) -> Resource:
    """The plan of one surgery; a plan of an earlier surgery is `completed`."""
    postop_day = (today - surgery.date).days
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": str(plan.id),
        "instantiatesUri": [
            f"{codes.system_base()}/pathway/{plan.template_code}|{plan.template_version}"
        ],
        "status": "active" if current else "completed",
        "intent": "plan",
        "title": f"Recovery after {surgery.get_technique_display()} {surgery.levels}",
        "subject": ref(patient.id),
        "period": {"start": surgery.date.isoformat()},
        "created": instant(plan.created_at),
        "careTeam": [ref(care_team_id)],
        "activity": [care_plan_activity(item, surgery.date, postop_day) for item in items],
    }
    if goal_ids:
        resource["goal"] = [ref(goal_id) for goal_id in goal_ids]
    if not resource["activity"]:
        del resource["activity"]
    return resource


def goal_resource(patient: Any, milestone: Any) -> Resource:
    window = (
        f"Target window: post-operative days {milestone.day_min}-{milestone.day_max} "
        f"({milestone.target_date_min.isoformat()} to {milestone.target_date_max.isoformat()})."
    )
    resource: Resource = {
        "resourceType": "Goal",
        "id": str(milestone.id),
        "lifecycleStatus": codes.GOAL_LIFECYCLE[milestone.status],
        "achievementStatus": concept(codes.ACHIEVEMENT[milestone.status].coding()),
        "description": concept(
            local_coding("milestone", milestone.code, milestone.title), text=milestone.title
        ),
        "subject": ref(patient.id),
        "target": [{"dueDate": milestone.target_date_max.isoformat()}],
        "note": [{"text": window}],
    }
    if milestone.achieved_on:
        resource["statusDate"] = milestone.achieved_on.isoformat()
    elif milestone.status_changed_at:
        resource["statusDate"] = milestone.status_changed_at.date().isoformat()
    if milestone.note:
        resource["note"].append({"text": milestone.note})
    return resource


# Check-ins: pain and temperature observations ---------------------------------------------

# (check-in field, standard code, body site or None, category, unit, label)
CHECKIN_MEASURES: tuple[tuple[str, codes.Code, codes.Code | None, codes.Code, tuple, str], ...] = (
    ("back_pain", codes.PAIN_SEVERITY, codes.LOWER_BACK, codes.CATEGORY_SURVEY, codes.UNIT_SCORE,
     "Back pain severity (0-10 NRS)"),
    ("leg_pain", codes.PAIN_SEVERITY, codes.LOWER_LIMB, codes.CATEGORY_SURVEY, codes.UNIT_SCORE,
     "Leg pain severity (0-10 NRS)"),
    ("temperature_c", codes.BODY_TEMPERATURE, None, codes.CATEGORY_VITAL_SIGNS,
     codes.UNIT_CELSIUS, "Body temperature"),
)  # fmt: skip


def checkin_observation_ids(checkin: Any) -> list[str]:
    """Ids of the observations a check-in produces (only for values it actually reported)."""
    return [
        derived_id(checkin.id, field)
        for field, *_ in CHECKIN_MEASURES
        if getattr(checkin, field) is not None
    ]


def related_person_resource(patient: Any, link: Any) -> Resource:
    """A caregiver (issue 22) as the patient named them; a portal proxy, not a legal one
    [R182], so only the relationship in words, no legal-role code."""
    resource: Resource = {
        "resourceType": "RelatedPerson",
        "id": str(link.id),
        "active": link.caregiver_id is not None and link.revoked_at is None,
        "patient": ref(patient.id),
        "name": [{"text": link.display_name}],
    }
    if link.relationship:
        resource["relationship"] = [{"text": link.relationship}]
    return resource


def _performer(patient: Any, checkin: Any) -> dict[str, str]:
    # Reported by the patient, or by a caregiver on their behalf (a RelatedPerson).
    if checkin.reported_by_caregiver_id is not None:
        return ref(checkin.reported_by_caregiver_id)
    return ref(patient.id)


def checkin_observations(patient: Any, checkin: Any) -> list[Resource]:
    observations = []
    for field, code, body_site, category, unit, label in CHECKIN_MEASURES:
        value = getattr(checkin, field)
        if value is None:
            continue
        observation: Resource = {
            "resourceType": "Observation",
            "id": derived_id(checkin.id, field),
            "status": "final",
            "category": [concept(category.coding())],
            "code": concept(
                code.coding(), local_coding("checkin-measure", field, label), text=label
            ),
            "subject": ref(patient.id),
            "effectiveDateTime": instant(checkin.recorded_at),
            "issued": instant(checkin.received_at),
            "performer": [_performer(patient, checkin)],
            "valueQuantity": quantity(value, unit),
        }
        if body_site is not None:
            observation["bodySite"] = concept(body_site.coding())
        observations.append(observation)
    return observations


# Questionnaires: response and score -------------------------------------------------------


def questionnaire_items(answers: Any, item_keys: Sequence[str] | None) -> list[dict[str, Any]]:
    """QuestionnaireResponse.item from stored answers (an ordered list or a keyed mapping)."""
    if isinstance(answers, Mapping):
        pairs = list(answers.items())
    elif isinstance(answers, list):
        keys = list(item_keys or [])
        pairs = [
            (keys[i] if i < len(keys) else str(i + 1), value) for i, value in enumerate(answers)
        ]
    else:
        return []
    items = []
    for key, value in pairs:
        item: dict[str, Any] = {"linkId": str(key)}
        if isinstance(value, bool):
            item["answer"] = [{"valueBoolean": value}]
        elif isinstance(value, int):
            item["answer"] = [{"valueInteger": value}]
        elif isinstance(value, float | Decimal):
            item["answer"] = [{"valueDecimal": number(value)}]
        elif isinstance(value, str) and value:
            item["answer"] = [{"valueString": value}]
        items.append(item)  # a skipped item keeps its linkId and has no answer
    return items


def questionnaire_url(response: Any) -> str:
    return (
        f"{codes.system_base()}/Questionnaire/{response.instrument}|{response.instrument_version}"
    )


def questionnaire_response_resource(
    patient: Any, response: Any, item_keys: Sequence[str] | None
) -> Resource:
    resource: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.id),
        "questionnaire": questionnaire_url(response),
        "status": "completed",
        "subject": ref(patient.id),
        "authored": instant(response.submitted_at),
        "source": ref(patient.id),
    }
    items = questionnaire_items(response.answers, item_keys)
    if items:
        resource["item"] = items
    return resource


def score_observation(patient: Any, response: Any, instrument_name: str) -> Resource | None:
    """The computed score as an Observation derived from the response; None if not scorable."""
    if not response.valid or response.score is None:
        return None
    unit = codes.SCORE_UNITS.get(response.instrument, codes.UNIT_SCORE)
    label = f"{instrument_name} score"
    observation: Resource = {
        "resourceType": "Observation",
        "id": derived_id(response.id, "score"),
        "status": "final",
        "category": [concept(codes.CATEGORY_SURVEY.coding())],
        "code": concept(local_coding("instrument-score", response.instrument, label), text=label),
        "subject": ref(patient.id),
        "effectiveDateTime": instant(response.submitted_at),
        "valueQuantity": quantity(response.score, unit),
        "derivedFrom": [ref(response.id)],
        "component": [
            {
                "code": {"text": "Timepoint"},
                "valueCodeableConcept": concept(
                    local_coding(
                        "questionnaire-timepoint",
                        response.timepoint,
                        response.get_timepoint_display(),
                    ),
                    text=response.get_timepoint_display(),
                ),
            }
        ],
    }
    scores = response.scores or {}
    if len(scores) > 1:
        observation["component"] += [
            {
                "code": concept(
                    local_coding(
                        "instrument-score", f"{response.instrument}.{key}", f"{label} ({key})"
                    ),
                    text=f"{label} ({key})",
                ),
                "valueQuantity": quantity(value, unit),
            }
            for key, value in sorted(scores.items())
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        ]
    return observation


# Triage flags: Flag and DetectedIssue -----------------------------------------------------


def _humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _user_ref(user_pk: object | None, known: set[str]) -> dict[str, str] | None:
    if user_pk is None:
        return None
    practitioner = practitioner_id(user_pk)
    return ref(practitioner) if practitioner in known else None


def flag_resource(patient: Any, flag: Any) -> Resource:
    period = {"start": instant(flag.opened_at)}
    ended = flag.resolved_at or flag.dismissed_at
    if ended and flag.status in ("resolved", "dismissed"):
        period["end"] = instant(ended)
    category = _humanise(flag.category)
    return {
        "resourceType": "Flag",
        "id": str(flag.id),
        "extension": [
            {"url": codes.EXT_FLAG_DETAIL, "valueReference": ref(derived_id(flag.id, "issue"))}
        ],
        "status": codes.FLAG_STATUS[flag.status],
        "category": [concept(codes.FLAG_CLINICAL.coding())],
        "code": concept(
            local_coding("triage-category", flag.category, category),
            text=f"{category} ({flag.severity})",
        ),
        "subject": ref(patient.id),
        "period": period,
    }


def _finding(key: str, value: Any) -> dict[str, Any] | None:
    """One fact the rule relied on: a symptom that was present, or a reported number."""
    label = codes.FACT_LABELS.get(key, _humanise(key))
    if value is True:
        text = label
    elif isinstance(value, int | float | str) and not isinstance(value, bool):
        text = f"{label}: {value}"
    else:
        return None  # absent symptoms and structured values say nothing on their own
    return concept(local_coding("checkin-finding", key, label), text=text)


def _mitigations(flag: Any, practitioners: set[str]) -> list[dict[str, Any]]:
    steps = []
    if flag.acknowledged_at:
        steps.append(("acknowledged", "Acknowledged by the care team", flag.acknowledged_at,
                      flag.acknowledged_by_id))  # fmt: skip
    if flag.status == "resolved" and flag.resolved_at:
        outcome = flag.resolution_outcome or "resolved"
        text = flag.get_resolution_outcome_display() if flag.resolution_outcome else "Resolved"
        if flag.resolution_note:
            text = f"{text}: {flag.resolution_note}"
        steps.append((outcome, text, flag.resolved_at, flag.resolved_by_id))
    if flag.status == "dismissed" and flag.dismissed_at:
        text = "Dismissed" + (f": {flag.dismiss_reason}" if flag.dismiss_reason else "")
        steps.append(("dismissed", text, flag.dismissed_at, flag.dismissed_by_id))
    mitigations = []
    for code, text, moment, user_pk in steps:
        mitigation: dict[str, Any] = {
            "action": concept(local_coding("triage-action", code, _humanise(code)), text=text),
            "date": instant(moment),
        }
        author = _user_ref(user_pk, practitioners)
        if author:
            mitigation["author"] = author
        mitigations.append(mitigation)
    return mitigations


def _rule_findings(flag: Any) -> list[Any]:
    # Prefetched by the bundle; a flag raised before findings were recorded has none.
    return list(flag.findings.all())


def _rules_text(flag: Any) -> str:
    rules = [(f.rule_id, f.rule_version) for f in _rule_findings(flag)] or [
        (flag.rule_id, flag.rule_version)
    ]
    unique = list(dict.fromkeys(rules))
    label = "rule" if len(unique) == 1 else "rules"
    return f"{label} " + ", ".join(f"{rule} v{version}" for rule, version in unique)


def _all_facts(flag: Any) -> list[tuple[str, Any]]:
    """Every fact any finding of the flag relied on, each (key, value) once, in key order."""
    sources = [f.facts for f in _rule_findings(flag)] or [flag.facts]
    pairs = {
        (key, repr(value)): (key, value)
        for facts in sources
        for key, value in (facts or {}).items()
    }
    return [pairs[k] for k in sorted(pairs)]


def detected_issue_resource(
    patient: Any, flag: Any, evidence_ids: Sequence[str], practitioners: set[str]
) -> Resource:
    """The clinical side of a flag: severity, the rule that fired, evidence, what was done."""
    category = _humanise(flag.category)
    resource: Resource = {
        "resourceType": "DetectedIssue",
        "id": derived_id(flag.id, "issue"),
        "status": codes.DETECTED_ISSUE_STATUS[flag.status],
        "code": concept(local_coding("triage-category", flag.category, category), text=category),
        "severity": codes.DETECTED_ISSUE_SEVERITY[flag.severity],
        "patient": ref(patient.id),
        "identifiedDateTime": instant(flag.opened_at),
        "detail": f"{flag.rationale} ({_rules_text(flag)})".strip(),
    }
    evidence: list[dict[str, Any]] = []
    findings = [_finding(key, value) for key, value in _all_facts(flag)]
    findings = [finding for finding in findings if finding]
    if findings:
        evidence.append({"code": findings})
    if evidence_ids:
        evidence.append({"detail": [ref(obs_id) for obs_id in evidence_ids]})
    if evidence:
        resource["evidence"] = evidence
    mitigations = _mitigations(flag, practitioners)
    if mitigations:
        resource["mitigation"] = mitigations
    return resource


# Wound photos (issue 21) ------------------------------------------------------------------

WOUND_PHOTO_REVIEW_TEXT = {
    "pending": "Not reviewed yet",
    "looks_fine": "Reviewed by the care team: looks fine",
    "concerning": "Reviewed by the care team: concerning",
}


def media_resource(patient: Any, photo: Any, url: str) -> Resource:
    """A wound photo as an R4 Media: a link to the authenticated image, never inline data."""
    title = f"Wound photo, day {photo.postop_day} after surgery"
    note = WOUND_PHOTO_REVIEW_TEXT.get(photo.review_status, photo.review_status)
    return {
        "resourceType": "Media",
        "id": str(photo.id),
        "status": "completed",
        "type": concept(codes.MEDIA_IMAGE.coding()),
        "subject": ref(patient.id),
        "createdDateTime": instant(photo.taken_at),
        "issued": instant(photo.received_at),
        "operator": ref(patient.id),  # taken by the patient
        "bodySite": concept(codes.LOWER_BACK.coding()),
        "height": photo.height,
        "width": photo.width,
        "content": {
            "contentType": "image/jpeg",
            "url": url,
            "title": title,
            "creation": instant(photo.taken_at),
        },
        "note": [{"text": note}],
    }
