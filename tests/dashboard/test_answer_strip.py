"""The wound and nerve answers strip (issue 16, item 6): days x red-flag answers on the patient
page, every cell in words, built from the days the page already reads (checkin_days: each
day's check-ins merged in SQL, issue 16 item 8)."""

from datetime import timedelta

import pytest

from recovery.dashboard import presenters
from recovery.dashboard.presenters import NOT_ANSWERED, StripCell, strip_cell
from recovery.selectors.answer_strip import STRIP_DAYS, answer_strip
from recovery.selectors.checkin_days import checkin_days
from recovery.selectors.patients import current_surgery
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/dashboard/patients/{patient.id}/"


def strip_data(patient):
    """The strip of `patient`'s current surgery, as the page reads it."""
    return answer_strip(days=checkin_days(patient=patient, surgery=current_surgery(patient)))


def _row(strip, field):
    return next(row for group in strip.groups for row in group.rows if row.field == field)


# ------------------------------------------------------------------------------ selector


def test_it_has_a_column_per_day_with_a_check_in_oldest_first(patient):
    for day in (5, 2, 3):
        CheckInFactory(patient=patient, day=day)
    assert strip_data(patient).days == [2, 3, 5]


def test_it_keeps_the_latest_days_only(patient):
    for day in range(STRIP_DAYS + 3):
        CheckInFactory(patient=patient, day=day)
    assert strip_data(patient).days == list(range(3, STRIP_DAYS + 3))


def test_it_reads_each_answer_of_the_day(patient):
    CheckInFactory(
        patient=patient,
        day=4,
        temperature_c=38.9,
        saddle_numbness=True,
        wound_drainage="pus",
        new_leg_weakness=False,
    )

    strip = strip_data(patient)

    assert _row(strip, "saddle_numbness").values == [True]
    assert _row(strip, "wound_drainage").values == ["pus"]
    assert _row(strip, "temperature_c").values == [38.9]
    assert _row(strip, "new_leg_weakness").values == [False]
    assert _row(strip, "foot_drop").values == [None]


def test_it_takes_a_yes_the_worst_drainage_and_the_highest_temperature_of_a_day(patient):
    morning = CheckInFactory(
        patient=patient, day=6, temperature_c=38.4, wound_drainage="cloudy", chills=False
    )
    CheckInFactory(
        patient=patient,
        day=6,
        recorded_at=morning.recorded_at + timedelta(hours=9),
        temperature_c=37.2,
        wound_drainage="clear",
        chills=True,
    )

    strip = strip_data(patient)

    assert strip.days == [6]
    assert _row(strip, "temperature_c").values == [38.4]
    assert _row(strip, "wound_drainage").values == ["cloudy"]
    assert _row(strip, "chills").values == [True]


def test_it_takes_the_latest_leg_side_of_a_day(patient):
    morning = CheckInFactory(patient=patient, day=6, leg_symptom_side="left")
    CheckInFactory(
        patient=patient,
        day=6,
        recorded_at=morning.recorded_at + timedelta(hours=9),
        leg_symptom_side="both",
    )
    CheckInFactory(
        patient=patient, day=6, recorded_at=morning.recorded_at + timedelta(hours=10)
    )  # no answer: does not blank the day's

    assert _row(strip_data(patient), "leg_symptom_side").values == ["both"]


def test_it_merges_a_day_the_same_way_without_postgresql(patient):
    # `make run` is SQLite: no bool_or or array_agg, so the days are merged in Python there.
    from recovery.selectors.checkin_days import _checkin_days_in_python

    morning = CheckInFactory(
        patient=patient, day=6, back_pain=3, temperature_c=38.4, wound_drainage="cloudy",
        chills=False, leg_symptom_side="left",
    )  # fmt: skip
    CheckInFactory(
        patient=patient, day=6, recorded_at=morning.recorded_at + timedelta(hours=9),
        back_pain=7, temperature_c=37.2, wound_drainage="clear", chills=True,
        leg_symptom_side="both",
    )  # fmt: skip
    for day in (2, 3):
        CheckInFactory(patient=patient, day=day, saddle_numbness=day == 3)
    surgery = current_surgery(patient)

    assert _checkin_days_in_python(patient=patient, surgery=surgery, limit=3) == checkin_days(
        patient=patient, surgery=surgery, limit=3
    )
    assert [d.day for d in checkin_days(patient=patient, surgery=surgery, limit=2)] == [3, 6]


def test_it_leaves_out_the_check_ins_of_an_earlier_surgery(patient):
    from tests.factories.recovery import SurgeryFactory

    current = current_surgery(patient)
    earlier = SurgeryFactory(patient=patient, date=current.date - timedelta(days=200))
    CheckInFactory(patient=patient, day=30, surgery=earlier)
    CheckInFactory(patient=patient, day=2)

    assert strip_data(patient).days == [2]


def test_it_covers_the_red_flag_answers_the_issue_names(patient):
    CheckInFactory(patient=patient, day=1)
    strip = strip_data(patient)
    fields = {row.field for group in strip.groups for row in group.rows}
    assert {
        "wound_drainage",
        "wound_redness",
        "wound_opening",
        "temperature_c",
        "saddle_numbness",
        "new_leg_weakness",
        "foot_drop",
        "new_leg_numbness",
        "new_bladder_problem",
        "new_bowel_incontinence",
        "calf_pain_or_swelling",
        "chest_pain",
        "shortness_of_breath",
        "headache_worse_upright",
    } <= fields


# ----------------------------------------------------------------------------- presenter


@pytest.mark.parametrize(
    ("field", "value", "cell"),
    [
        ("saddle_numbness", True, StripCell("Yes", notable=True)),
        ("saddle_numbness", False, StripCell("no")),
        ("saddle_numbness", None, NOT_ANSWERED),
        ("wound_drainage", "pus", StripCell("Pus", notable=True)),
        ("wound_drainage", "clear", StripCell("Clear", notable=True)),
        ("wound_drainage", "none", StripCell("None")),
        ("temperature_c", 38.9, StripCell("38.9 °C fever", notable=True)),
        ("temperature_c", 38.0, StripCell("38.0 °C fever", notable=True)),
        ("temperature_c", 37.9, StripCell("37.9 °C")),
        ("leg_symptom_side", "left", StripCell("Left")),
    ],
)
def test_it_words_each_cell(field, value, cell):
    assert strip_cell(field, value, fever_c=38.0) == cell


def test_it_gives_every_cell_words_a_screen_reader_reads():
    for value in (True, False, None, "pus", 39.1):
        cell = strip_cell("wound_drainage" if value == "pus" else "chills", value, fever_c=38.0)
        assert (cell.spoken or cell.text).strip()
    assert NOT_ANSWERED.spoken == "not answered"


def test_it_captions_the_strip_with_what_the_marks_mean(patient):
    for day in (1, 2):
        CheckInFactory(patient=patient, day=day)
    caption = presenters.answer_strip(strip_data(patient), fever_c=38.0).caption
    assert caption.startswith("Wound and nerve answers by day after surgery, for the last 2 days")
    assert "38.0 °C" in caption and "not answered" in caption


# --------------------------------------------------------------------------------- page


def test_it_shows_the_strip_on_the_patient_page(web, clinician, patient):
    checkin = CheckInFactory(patient=patient, day=3, temperature_c=38.9)
    checkin.saddle_numbness = True
    checkin.wound_drainage = "pus"
    checkin.save()
    CheckInFactory(patient=patient, day=4)

    page = web(clinician).get(_url(patient)).content.decode()

    assert '<th scope="col" class="strip-day">Day 3</th>' in page
    assert '<th scope="col" class="strip-day">Day 4</th>' in page
    assert "<caption>Wound and nerve answers by day after surgery" in page
    assert '<th scope="row">Saddle numbness</th><td class="strip-cell strip-notable">' in page
    assert "38.9 °C fever" in page
    assert '<span class="visually-hidden">not answered</span>' in page


def test_it_says_when_there_is_no_check_in_yet(web, clinician, patient):
    page = web(clinician).get(_url(patient)).content.decode()
    assert 'id="answer-strip"' in page and "No check-ins yet." in page


@pytest.mark.parametrize("size", [1, 10, 30])
def test_it_adds_no_query_to_the_patient_page(
    frozen, web, clinician, patient, size, django_assert_num_queries
):
    planned = planned_patient(care_team=patient.care_team, postop_day=40)
    for day in range(size):
        CheckInFactory(patient=planned, day=day, temperature_c=37.0 + day % 3)
    FlagFactory(patient=planned)
    FlagFactory(patient=PatientFactory(care_team=patient.care_team))
    client = web(clinician)

    # The patient page's budget (tests/dashboard/test_patient_page.py): the strip reads the
    # days the charts already loaded.
    with django_assert_num_queries(18):
        response = client.get(_url(planned))
    assert response.context["strip"].days == list(range(size))[-STRIP_DAYS:]
