"""Code systems and codes used by the FHIR export (the table in docs/fhir.md mirrors this file).

Only codes we are sure of are emitted from a standard system (LOINC, SNOMED CT, UCUM, HL7
terminology). Everything else is emitted from a local code system under `local_system()`,
and the standard code we think fits is listed in TO_VERIFY, which is never emitted: an
informatician confirms it against a terminology server, then moves it into a constant here
(a reviewed code change, not a runtime switch).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

FHIR_VERSION = "4.0.1"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
URI_IDENTIFIER = "urn:ietf:rfc:3986"  # an identifier whose value is a URI (here urn:uuid:...)
BCP47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# HL7 core extensions (R4 extension registry).
EXT_PROCEDURE_METHOD = "http://hl7.org/fhir/StructureDefinition/procedure-method"
EXT_FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"

# Where our own code systems, questionnaires and pathway URIs live. Placeholder host under
# the reserved `.example` TLD; a deployment sets FHIR_SYSTEM_BASE to a URL it controls.
DEFAULT_SYSTEM_BASE = "https://fhir.l3l4-recovery.example"

# Namespace for ids derived from non-UUID keys (users) so a re-export yields the same ids.
ID_NAMESPACE = uuid.UUID("5d0c7f0e-6f59-4a8c-9a1e-3f3b7f5e2c10")


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


def system_base() -> str:
    return str(getattr(settings, "FHIR_SYSTEM_BASE", DEFAULT_SYSTEM_BASE)).rstrip("/")


def local_system(name: str) -> str:
    """A local CodeSystem canonical, e.g. <base>/CodeSystem/surgical-technique."""
    return f"{system_base()}/CodeSystem/{name}"


def local_coding(system_name: str, code: str, display: str) -> dict[str, str]:
    return {"system": local_system(system_name), "code": code, "display": display}


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"coding": list(codings)}
    if text:
        result["text"] = text
    return result


# Standard codes we emit -----------------------------------------------------------------

PAIN_SEVERITY = Code(
    LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
)
BODY_TEMPERATURE = Code(LOINC, "8310-5", "Body temperature")
LOWER_BACK = Code(SNOMED, "37822005", "Lower back structure")
LOWER_LIMB = Code(SNOMED, "61685007", "Lower limb structure")

CATEGORY_VITAL_SIGNS = Code(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
CATEGORY_SURVEY = Code(OBSERVATION_CATEGORY, "survey", "Survey")
FLAG_CLINICAL = Code(FLAG_CATEGORY, "clinical", "Clinical")
MEDIA_IMAGE = Code(MEDIA_TYPE, "image", "Image")  # wound photos (issue 21)
INPATIENT = Code(V3_ACT_CODE, "IMP", "inpatient encounter")

ACHIEVEMENT = {
    "pending": Code(GOAL_ACHIEVEMENT, "in-progress", "In Progress"),
    "achieved": Code(GOAL_ACHIEVEMENT, "achieved", "Achieved"),
    "missed": Code(GOAL_ACHIEVEMENT, "not-achieved", "Not Achieved"),
}
# Goal.lifecycleStatus (required binding): a missed milestone is no longer pursued.
GOAL_LIFECYCLE = {"pending": "active", "achieved": "completed", "missed": "completed"}

# UCUM units: (human unit, UCUM code).
UNIT_CELSIUS = ("°C", "Cel")
UNIT_SCORE = ("score", "{score}")
UNIT_PERCENT = ("%", "%")
# Unit of an instrument's score; anything not listed is a unitless {score}.
SCORE_UNITS = {"odi": UNIT_PERCENT}

# Triage flag -> FHIR. DetectedIssue.severity (required binding: high | moderate | low).
DETECTED_ISSUE_SEVERITY = {"emergency": "high", "urgent": "moderate", "routine": "low"}
# Flag.status (required binding: active | inactive | entered-in-error).
FLAG_STATUS = {
    "open": "active",
    "acknowledged": "active",
    "resolved": "inactive",
    "dismissed": "inactive",
}
# DetectedIssue.status (required binding: observation-status).
DETECTED_ISSUE_STATUS = {
    "open": "preliminary",
    "acknowledged": "preliminary",
    "resolved": "final",
    "dismissed": "cancelled",
}

# Restrictions phrased as a prohibition become activities with doNotPerform=true; the code's
# display then names the activity itself (what must not be done), not the prohibition.
PROHIBITED_ACTIVITIES = {
    "no_blt": "Bending, lifting or twisting at the waist",
    "no_driving": "Driving",
    "driving_not_on_opioids": "Driving after taking opioid pain medicine",
    "no_manual_work": "Heavy physical or manual work",
    "no_nicotine": "Smoking, vaping or other nicotine use",
    "no_nsaids": "Taking anti-inflammatory painkillers (NSAIDs)",
    "no_sexual_activity": "Sexual activity",
    "no_sports": "Running, impact or contact sports",
    "no_bath_swim": "Baths, hot tubs, pools or swimming",
    "bath_swim_when_healed": "Baths, hot tubs, pools or swimming",
}
# Labels for triage facts whose field names do not read well on their own.
FACT_LABELS = {
    "temperature_c": "Temperature (°C)",
    "postop_day": "Post-operative day",
    "opioid_doses_24h": "Opioid doses in 24 h",
    "back_pain": "Back pain (0-10)",
    "leg_pain": "Leg pain (0-10)",
}
PROHIBITION_PREFIXES = ("No ", "Don't ", "Do not ", "Never ")

# Candidate standard codes that are NOT emitted until verified (listed in docs/fhir.md).
TO_VERIFY: dict[str, Code] = {
    "procedure.spinal_fusion": Code(SNOMED, "55705006", "Spinal fusion (procedure)"),
    "role.surgeon": Code(SNOMED, "304292004", "Surgeon (occupation)"),
    "role.nurse": Code(SNOMED, "106292003", "Professional nurse (occupation)"),
    "role.physiotherapist": Code(SNOMED, "36682004", "Physiotherapist (occupation)"),
}
