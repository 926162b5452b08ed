"""Check-ins and flags written straight to the database (no triage), for list/scope tests."""

import uuid
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from recovery.models import CheckIn, Flag, FlagFinding
from recovery.selectors import current_surgery
from recovery.triage import SEVERITIES
from tests.factories.recovery import PatientFactory


def checkin_payload(**fields: Any) -> dict[str, Any]:
    """A valid POST body: a fresh id, recorded a minute ago, plus `fields`."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "recorded_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
    }
    body.update(fields)
    return body


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    id = factory.LazyFunction(uuid.uuid4)
    patient = factory.SubFactory(PatientFactory)
    surgery = factory.LazyAttribute(lambda c: current_surgery(c.patient))
    recorded_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyAttribute(lambda c: c.recorded_at)
    postop_day = factory.LazyAttribute(
        lambda c: (c.patient.local_date(c.recorded_at) - c.surgery.date).days
    )
    back_pain = 3
    leg_pain = 2


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    category = "infection"
    severity = "urgent"
    severity_rank = factory.LazyAttribute(lambda f: SEVERITIES.index(f.severity))
    status = Flag.Status.OPEN
    rule_id = "infection.fever_in_monitoring_window"
    rule_version = 1
    ruleset_version = 1
    facts = factory.LazyFunction(lambda: {"temperature_c": 38.4})
    advice = "Contact your surgical team today."
    rationale = "Fever in the SSI window."
    sources = factory.LazyFunction(lambda: ["R2"])
    opened_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda f: f.opened_at)
    alerted_at = factory.LazyAttribute(lambda f: f.opened_at)


class FlagFindingFactory(factory.django.DjangoModelFactory):
    """One rule that fired on a flag (defaults: the flag's own headline rule)."""

    class Meta:
        model = FlagFinding

    flag = factory.SubFactory(FlagFactory)
    rule_id = factory.LazyAttribute(lambda f: f.flag.rule_id)
    rule_version = factory.LazyAttribute(lambda f: f.flag.rule_version)
    ruleset_version = factory.LazyAttribute(lambda f: f.flag.ruleset_version)
    severity = factory.LazyAttribute(lambda f: f.flag.severity)
    facts = factory.LazyAttribute(lambda f: dict(f.flag.facts))
    checkin = None
    at = factory.LazyAttribute(lambda f: f.flag.opened_at)
