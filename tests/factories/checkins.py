"""Check-ins and flags written straight to the database (no triage), for list/scope tests."""

import uuid
from datetime import UTC, datetime, time, timedelta
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


def _recorded_at(c: Any) -> datetime:
    if c.day is None:
        return timezone.now()
    return datetime.combine(c.surgery.date + timedelta(days=c.day), time(9), tzinfo=UTC)


def _postop_day(c: Any) -> int:
    if c.day is not None:
        return int(c.day)
    return (c.patient.local_date(c.recorded_at) - c.surgery.date).days


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in recorded now, or with `day=N` at 09:00 UTC on postoperative day N."""

    class Meta:
        model = CheckIn

    class Params:
        day = None

    id = factory.LazyFunction(uuid.uuid4)
    patient = factory.SubFactory(PatientFactory)
    surgery = factory.LazyAttribute(lambda c: current_surgery(c.patient))
    recorded_at = factory.LazyAttribute(_recorded_at)
    received_at = factory.LazyAttribute(lambda c: c.recorded_at)
    postop_day = factory.LazyAttribute(_postop_day)
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
    # A closed flag has its closing time (database constraints flag_*_has_time).
    resolved_at = factory.LazyAttribute(lambda f: f.updated_at if f.status == "resolved" else None)
    dismissed_at = factory.LazyAttribute(
        lambda f: f.updated_at if f.status == "dismissed" else None
    )


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
