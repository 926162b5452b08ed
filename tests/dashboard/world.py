"""A small, realistic care-team world for the browser tests and the screenshots."""

from datetime import date, timedelta

from django.utils import timezone

from recovery.models import CareTeam, CheckIn, Patient, PlanItem
from recovery.selectors.answer_strip import STRIP_GROUPS
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import ChecklistEntryFactory
from tests.factories.questionnaires import enrolled_patient, record_scores

# (approach, technique, baseline ODI, 3-month ODI, 12-month ODI)
COHORT = [
    ("open", "tlif", 48, 34, 22),
    ("open", "plif", 56, 40, 30),
    ("open", "tlif", 42, 36, 28),
    ("open", "plf", 60, 46, 34),
    ("open", "tlif", 38, 30, 18),
    ("open", "plif", 52, 44, 40),
    ("mis", "mis_tlif", 50, 30, 20),
    ("mis", "mis_tlif", 44, 28, 16),
    ("mis", "llif", 58, 38, 26),
    ("mis", "mis_tlif", 40, 26, 22),
    ("mis", "olif", 46, 32, 18),
    ("mis", "mis_tlif", 54, 36, 24),
]


def seed_cohort(team: CareTeam) -> list[Patient]:
    """Twelve patients operated 13 months ago with ODI and pain at baseline, 3 and 12 months."""
    today = timezone.now().date()
    surgery_date = today - timedelta(days=395)
    people = []
    for i, (approach, technique, base, three, twelve) in enumerate(COHORT):
        person = enrolled_patient(
            surgery_date=surgery_date,
            enrolled_on=surgery_date - timedelta(days=14),
            care_team=team,
            surgery={"approach": approach, "technique": technique},
        )
        record_scores(
            person,
            {
                "baseline": {"odi": base, "back": 7 + i % 3, "leg": 6 + i % 2},
                "3m": {"odi": three, "back": 4 + i % 3, "leg": 3 + i % 2},
                "12m": {"odi": twelve, "back": 2 + i % 3, "leg": 1 + i % 2},
            },
        )
        people.append(person)
    return people


# The red-flag yes/no questions of the answers strip, each answered "no" unless a day says so.
_YES_NO = [
    name
    for _, names in STRIP_GROUPS
    for name in names
    if name not in ("wound_drainage", "temperature_c", "leg_symptom_side")
]
# Day -> (drainage, answered yes): a wound turning red and cloudy around the day-8 fever.
_WOUND_DAYS = {
    7: ("clear", ()),
    8: ("cloudy", ("wound_redness",)),
    9: ("cloudy", ("wound_redness", "wound_warmth")),
}


def seed_recovering_patient(patient: Patient) -> None:
    """Ten days of check-ins with a fever on day 8 and a reddening, draining wound around it
    (every red-flag question answered), a baseline ODI and pain, and checklist answers on most
    days (when the patient has a plan)."""
    readings = [
        (8, 7, 37.2),
        (8, 6, 37.4),
        (7, 6, 37.1),
        (7, 5, 37.3),
        (6, 5, 37.0),
        (6, 4, 37.2),
        (5, 4, 37.6),
        (6, 4, 38.4),
        (5, 3, 38.1),
        (4, 3, 37.5),
    ]
    for day, (back, leg, temp) in enumerate(readings, 1):
        checkin = CheckInFactory(
            patient=patient, day=day, back_pain=back, leg_pain=leg, temperature_c=temp
        )
        drainage, yes = _WOUND_DAYS.get(day, ("none", ()))
        answers = {name: name in yes for name in _YES_NO}
        CheckIn.objects.filter(id=checkin.id).update(wound_drainage=drainage, **answers)
    record_scores(patient, {"baseline": {"odi": 48, "back": 8, "leg": 7}})
    today = timezone.now().date()
    items = PlanItem.objects.filter(plan__patient=patient, daily_check=True, start_day=0)[:4]
    for days_ago in range(1, 10):
        if days_ago == 4:
            continue  # one unanswered day
        for n, item in enumerate(items):
            ChecklistEntryFactory(
                patient=patient,
                item=item,
                date=today - timedelta(days=days_ago),
                kept=(n + days_ago) % 5 != 0,
            )


def seed_worklist(team: CareTeam, patient: Patient) -> None:
    now = timezone.now()
    FlagFactory(
        patient=patient,
        severity="emergency",
        category="infection",
        opened_at=now - timedelta(minutes=20),
    )
    others = [
        enrolled_patient(
            surgery_date=date.today() - timedelta(days=d),
            enrolled_on=date.today() - timedelta(days=d + 10),
            care_team=team,
        )
        for d in (5, 12, 30)
    ]
    FlagFactory(
        patient=others[0],
        severity="urgent",
        category="urinary_retention",
        opened_at=now - timedelta(hours=3),
    )
    FlagFactory(
        patient=others[1],
        severity="routine",
        category="uncontrolled_pain",
        opened_at=now - timedelta(days=1),
    )
    CheckInFactory(patient=others[2], day=20)
