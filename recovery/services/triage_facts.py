"""The bridge from the database to the pure triage engine: plain data in, nothing else.

The engine never sees a model instance. This module turns a patient, their operation and their
recent check-ins into the mappings and `TriageContext` the engine reads.
"""

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from recovery.models import CheckIn, Patient, Surgery
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.selectors import postop_day
from recovery.triage import DEFAULT_EMERGENCY_NUMBER, RuleSet, TriageContext, load_ruleset

logger = logging.getLogger(__name__)

# A floor for the history window when the rule set names no check-in count; the real bound is
# the largest `*_checkins` parameter (e.g. pain_history_checkins) so every trend sees its data.
MIN_HISTORY_CHECKINS = 10


def triage_ruleset() -> RuleSet:
    """The rule set in force (settings.TRIAGE_RULES_PATH, default: the packaged rules.yaml).

    Every advice names the deployment's emergency number (settings.EMERGENCY_NUMBER).
    """
    path = getattr(settings, "TRIAGE_RULES_PATH", None)
    number = getattr(settings, "EMERGENCY_NUMBER", None) or DEFAULT_EMERGENCY_NUMBER
    return load_ruleset(Path(path) if path else None, emergency_number=str(number))


def triage_ruleset_warm() -> RuleSet:
    """Load and validate the rule set now, so that no patient's check-in waits for it.

    Parsing and validating rules.yaml takes seconds; the loaded set is cached per process.
    Process-start hooks call this: backend/gunicorn.conf.py (the master after preloading the
    app, and each worker before its first request) and the Celery worker signals in
    backend/celery.py. Management commands such as `migrate` do not pay for it.
    """
    started = time.monotonic()
    ruleset = triage_ruleset()
    logger.info(
        "triage rule set v%s ready (%d rules) in %.2fs",
        ruleset.version,
        len(ruleset.rules),
        time.monotonic() - started,
    )
    return ruleset


def history_limit(ruleset: RuleSet) -> int:
    counts = [
        int(parameter.value)
        for name, parameter in ruleset.parameters.items()
        if name.endswith("_checkins")
    ]
    return max([MIN_HISTORY_CHECKINS, *counts])


def _pathway_follow_up_days(technique: str) -> int | None:
    """The follow-up window the technique's pathway defines, if it defines one.

    No pathway template names one today, so the rule set's default (`follow_up_days`, 90)
    applies; a template that adds `follow_up_days` is picked up here without a code change.
    """
    from recovery.pathways import UnknownTechniqueError, pathway_for_technique

    try:
        template = pathway_for_technique(technique)
    except UnknownTechniqueError:
        return None
    days = getattr(template, "follow_up_days", None)
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else None


def triage_context(*, patient: Patient, surgery: Surgery, at: datetime) -> TriageContext:
    """What the rules may know about the patient and the operation at `at`.

    The technique (hence the lateral or anterior approach) is here, so approach-specific
    rules (expected thigh symptoms after LLIF/OLIF, ileus after ALIF/OLIF) can apply.
    """
    return TriageContext(
        # A check-in from the eve of the operation is stored with day -1; rules start at day 0.
        postop_day=max(0, postop_day(patient=patient, surgery=surgery, at=at)),
        approach=surgery.approach,
        technique=surgery.technique,
        smoking_status=patient.smoking_status,
        diabetes=patient.diabetes,
        bone_quality=patient.bone_quality,
        steroid_use=patient.steroid_use,
        brace_prescribed=surgery.brace_prescribed,
        follow_up_days=_pathway_follow_up_days(surgery.technique),
    )


# The columns CheckIn.facts() reads, in the order checkin_history_query selects them.
HISTORY_COLUMNS = (*SYMPTOM_FIELDS, "recorded_at", "postop_day")


def checkin_history_query(
    *, patient: Patient, before: datetime | None = None, limit: int
) -> QuerySet[CheckIn, dict[str, Any]]:
    """The patient's most recent check-ins as engine mappings, newest first, at most `limit`.

    issue 23: only the columns CheckIn.facts() reads, as dicts (no model instances, no notes);
    the check-in service runs this query inside its insert statement.
    """
    queryset = CheckIn.objects.filter(patient=patient)
    if before is not None:
        queryset = queryset.filter(recorded_at__lt=before)
    return queryset.order_by("-recorded_at", "-id").values(*HISTORY_COLUMNS)[:limit]


def checkin_history(
    *, patient: Patient, before: datetime | None = None, limit: int
) -> list[dict[str, Any]]:
    """The patient's most recent check-ins as engine mappings, newest first, at most `limit`."""
    return list(checkin_history_query(patient=patient, before=before, limit=limit))
