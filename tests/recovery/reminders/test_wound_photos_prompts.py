"""The daily "photo of your wound" prompt: days 1-14 of the pathway, not once a photo is sent."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from notifications.catalogue import TEMPLATES
from recovery.models import ReminderSchedule
from recovery.pathways import clear_cache, load_pathways
from recovery.pathways.schema import WoundPhotoPrompts
from recovery.reminders import wound_photos as prompts
from recovery.reminders.schedule import reminder_schedules_sync
from recovery.reminders.sweep import reminders_send_due
from tests.factories.plans import planned_patient
from tests.factories.wound_photos import make_wound_photo

pytestmark = pytest.mark.django_db

NY_MORNING = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # 09:00 in New York (EDT)
SURGERY = date(2026, 6, 1)  # NY_MORNING is post-operative day 9


def _patient(*, surgery_date: date = SURGERY, technique: str = "tlif"):
    with time_machine.travel(NY_MORNING - timedelta(hours=6), tick=False):
        patient = planned_patient(
            surgery_date=surgery_date, technique=technique, timezone="America/New_York"
        )
        reminder_schedules_sync(patient=patient, now=NY_MORNING - timedelta(hours=6))
    return patient


def _prompted_days(patient, days: int) -> list[int]:
    """Run every morning sweep for `days` days; the post-operative days that got a prompt."""
    start = NY_MORNING - timedelta(days=(NY_MORNING.date() - SURGERY).days)
    ReminderSchedule.objects.filter(patient=patient).update(next_due_at=start)
    for offset in range(days):
        at = start + timedelta(days=offset)
        with time_machine.travel(at, tick=False):
            reminders_send_due(now=at)
    keys = patient.user.notifications.filter(
        template="wound_photo_due", channel="inapp"
    ).values_list("idempotency_key", flat=True)
    return sorted((date.fromisoformat(k.rsplit(":", 1)[1]) - SURGERY).days for k in keys)


def test_it_prompts_every_day_from_day_1_to_day_14() -> None:
    patient = _patient()

    assert _prompted_days(patient, 20) == list(range(1, 15))


def test_it_skips_a_day_on_which_a_photo_was_already_sent() -> None:
    patient = _patient()
    # Day 9, 07:00 in New York: before the 09:00 morning run.
    make_wound_photo(patient, taken_at=NY_MORNING - timedelta(hours=2), now=NY_MORNING)

    assert 9 not in _prompted_days(patient, 15)
    assert 8 in _prompted_days(patient, 15)


def test_it_does_not_count_a_photo_from_yesterday_evening_local_for_today() -> None:
    patient = _patient()
    # 23:30 on day 8 in New York is already day 9 in UTC.
    make_wound_photo(patient, taken_at=NY_MORNING - timedelta(hours=9, minutes=30))

    with time_machine.travel(NY_MORNING, tick=False):
        reminders_send_due(now=NY_MORNING)

    assert patient.user.notifications.filter(template="wound_photo_due").exists()


def test_it_takes_the_days_from_the_pathway_data() -> None:
    template = load_pathways()["open_posterior"]
    assert template.wound_photos == WoundPhotoPrompts(
        first_day=1,
        last_day=14,
        instructions=list(template.wound_photos.instructions),
        sources=["R177", "R179"],
    )


def test_it_lets_a_pathway_turn_the_prompts_off(monkeypatch) -> None:
    patient = _patient()
    monkeypatch.setattr(
        prompts, "prompts_for_technique", lambda technique: WoundPhotoPrompts(last_day=0)
    )

    assert _prompted_days(patient, 10) == []


@pytest.mark.parametrize("words", ["light", "whole incision", "coin", "other parts of your body"])
def test_it_gives_instructions_on_light_frame_scale_and_privacy(words) -> None:
    clear_cache()
    for template in load_pathways().values():
        assert words in " ".join(template.wound_photos.instructions_in("en")).lower(), template.code


def test_it_keeps_health_data_out_of_the_notification_text() -> None:
    template = TEMPLATES["wound_photo_due"]
    text = f"{template.title} {template.body}".lower()
    assert not {"wound", "incision", "infection", "surgery"} & set(text.replace(".", "").split())


def test_it_shows_the_instructions_with_the_prompt(api) -> None:
    patient = _patient()
    with time_machine.travel(NY_MORNING, tick=False):
        body = api(patient.user).get("/api/v1/me/wound-photos/prompt/").json()

    assert body["due_today"] is True and body["postop_day"] == 9
    prompts = load_pathways()["open_posterior"].wound_photos
    assert body["instructions"] == prompts.instructions_in("en")
    assert body["sources"] == ["R177", "R179"]


def test_it_answers_not_due_once_todays_photo_is_sent(api) -> None:
    patient = _patient()
    make_wound_photo(patient, taken_at=NY_MORNING - timedelta(hours=1), now=NY_MORNING)
    with time_machine.travel(NY_MORNING, tick=False):
        body = api(patient.user).get("/api/v1/me/wound-photos/prompt/").json()

    assert body["due_today"] is False
