"""issue 23: the check-in response is built without the ModelSerializer, to the same body."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from recovery.api.checkins import CheckInOutputSerializer, checkin_representation
from recovery.models import CheckIn
from tests.factories.checkins import CheckInFactory

pytestmark = pytest.mark.django_db

FLAG = {"id": "6f1c2b4e-8d1a-4f7e-9b0a-1c2d3e4f5a6b", "category": "infection",
        "severity": "urgent", "advice": "Call your team today.", "language": "es"}  # fmt: skip
OLD_FLAG = {key: value for key, value in FLAG.items() if key != "language"}  # before issue 19

CHECKINS = {
    "a quiet report": {},
    "every kind of answer": {
        "temperature_c": 38.2, "wound_drainage": "cloudy", "leg_symptom_side": "left",
        "chills": True, "wound_redness": False, "notes": "Fine « ünïcode » \u2028 too",
        "walking_minutes": 0,
    },
    "flags and dropped answers": {
        "flags": [FLAG, OLD_FLAG], "rejected": {"leg_pain": ["Enter a whole number."]},
    },
    "a time with microseconds": {"recorded_at": datetime(2026, 3, 29, 1, 30, 0, 123456, UTC)},
}  # fmt: skip


@pytest.mark.parametrize("fields", CHECKINS.values(), ids=CHECKINS.keys())
def test_it_builds_the_output_serializers_body(patient, fields) -> None:
    checkin = CheckIn.objects.get(id=CheckInFactory(patient=patient, **fields).id)
    assert checkin_representation(checkin) == CheckInOutputSerializer(checkin).data


def test_it_does_not_depend_on_the_active_language(patient) -> None:
    checkin = CheckInFactory(patient=patient, flags=[FLAG])
    with translation.override("es"):
        spanish = checkin_representation(checkin)
    assert spanish == checkin_representation(checkin) == CheckInOutputSerializer(checkin).data


def test_it_builds_the_body_the_serializer_builds_with_the_same_context(patient) -> None:
    checkin = CheckInFactory(patient=patient, temperature_c=38.4)
    context = {"temperature_unit": "f"}
    expected = CheckInOutputSerializer(checkin, context=context).data
    assert checkin_representation(checkin, context=context) == expected
