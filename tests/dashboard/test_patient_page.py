from datetime import timedelta

import pytest

from recovery.models import AccessEvent
from tests.clock import NOON
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import ChecklistEntryFactory, plan_of, planned_patient
from tests.factories.questionnaires import record_scores

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/dashboard/patients/{patient.id}/"


@pytest.mark.clock(NOON)  # surgery 10 UTC days ago is day 10 in New York
def test_it_shows_the_surgery_header(web, clinician, patient):
    response = web(clinician).get(_url(patient))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("L3-L4", "Open", "TLIF (open)", "Day 10", patient.last_name):
        assert text in page


def test_it_lists_recorded_risk_factors_with_sources(web, clinician, patient):
    patient.smoking_status = "current"
    patient.diabetes = True
    patient.hba1c = 7.4
    patient.save()

    page = web(clinician).get(_url(patient)).content.decode()

    assert "Smokes" in page
    assert "HbA1c 7.4% (raised)" in page
    assert "R19" in page


def test_it_records_one_view_event(web, clinician, patient):
    web(clinician).get(_url(patient))

    (event,) = AccessEvent.objects.filter(patient=patient)
    assert (event.actor, event.action, event.object_type) == (clinician, "view", "patient")


def test_it_answers_404_for_another_teams_patient_and_records_nothing(
    web, outsider_clinician, patient
):
    response = web(outsider_clinician).get(_url(patient))

    assert response.status_code == 404
    assert not AccessEvent.objects.filter(patient=patient).exists()


def test_it_answers_404_for_an_unknown_patient(web, clinician):
    response = web(clinician).get("/dashboard/patients/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


# ------------------------------------------------------------------ with check-ins and flags


def _chart_points(html: str, chart_key: str) -> int:
    start = html.index(f'id="chart-{chart_key}"')
    end = html.index("</svg>", start)
    return html[start:end].count('class="point"')


def test_it_plots_each_reported_pain_score_and_temperature(web, clinician, patient):
    CheckInFactory(patient=patient, day=1, back_pain=7, leg_pain=5, temperature_c=37.8)
    CheckInFactory(patient=patient, day=2, back_pain=6, leg_pain=None, temperature_c=None)
    CheckInFactory(patient=patient, day=3, back_pain=5, leg_pain=3, temperature_c=38.4)

    html = web(clinician).get(_url(patient)).content.decode()

    assert _chart_points(html, "pain") == 5  # 3 back + 2 leg
    assert _chart_points(html, "temperature") == 2
    assert "Fever 38.0 °C" in html


def test_it_marks_the_pathway_phases_on_the_day_charts(frozen, web, clinician, patient):
    surgery = patient.surgeries.get()
    surgery.date = surgery.date - timedelta(days=40)  # day 50: the first two boundaries show
    surgery.save()

    html = web(clinician).get(_url(patient)).content.decode()

    # On the pain and the temperature chart.
    assert html.count('class="phase-marker"') == 2 * 2
    assert "Weeks 3-6" in html or "weeks" in html.lower()


def test_it_shows_flags_and_their_handling_on_the_timeline(web, clinician, patient):
    flag = FlagFactory(patient=patient, severity="emergency", category="cauda_equina")
    web(clinician).post(f"/dashboard/flags/{flag.id}/acknowledge/")
    web(clinician).post(
        f"/dashboard/flags/{flag.id}/resolve/", {"outcome": "seen_in_clinic", "note": "Seen"}
    )
    CheckInFactory(patient=patient, day=3)

    page = web(clinician).get(_url(patient)).context["page"]

    kinds = [event.kind_label for event in page.timeline]
    assert kinds[:3] == ["Flag resolved", "Flag acknowledged", "Flag raised"]
    assert "Check-in" in kinds
    assert "Seen in clinic" in page.timeline[0].text


def test_it_says_the_system_closed_a_silence_flag_the_patient_answered(web, clinician, patient):
    from django.utils import timezone

    from recovery.services.flags import flags_close_answered_silence

    FlagFactory(patient=patient, severity="routine", category="silence")
    flags_close_answered_silence(patient=patient, now=timezone.now())

    page = web(clinician).get(_url(patient)).context["page"]

    [closed] = [event for event in page.timeline if event.kind_label == "Flag resolved"]
    assert "by the system (none given): Closed automatically" in closed.text


@pytest.mark.parametrize("timeline", ["", "?timeline=all"])
@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_uses_a_constant_number_of_queries(
    frozen, web, clinician, patient, size, timeline, django_assert_num_queries
):
    planned = planned_patient(care_team=patient.care_team, postop_day=30)
    for day in range(min(size, 10)):
        CheckInFactory(patient=planned, day=day)
    CheckInFactory.create_batch(size, patient=planned)  # several a day
    for _ in range(size):
        FlagFactory(patient=PatientFactory(care_team=patient.care_team))
    for category in ["infection", "ileus", "dvt_pe"][: min(size, 3)]:
        FlagFactory(patient=planned, category=category)
    client = web(clinician)

    # session, user, OTP device (verified session), membership check, patient, surgeries,
    # access event, the timeline's check-ins, the days with a check-in (charts and answers
    # strip, issue 16 item 8: one more than when the charts read every check-in), flags, the
    # live flags' findings, questionnaires, plan, adjustments, plan items, milestones,
    # checklist entries, wound photos
    with django_assert_num_queries(18):
        client.get(_url(planned) + timeline)


def test_it_shows_daily_adherence_as_a_heat_strip(frozen, web, clinician, patient):
    planned = planned_patient(care_team=patient.care_team, postop_day=5)
    item = plan_of(planned).items.filter(daily_check=True, start_day=0).first()
    ChecklistEntryFactory(patient=planned, item=item, date=frozen.date(), kept=True)

    html = web(clinician).get(_url(planned)).content.decode()

    start = html.index('id="chart-adherence"')
    strip = html[start : html.index("</svg>", start)]
    assert strip.count('class="cell"') == 6  # days 0 to 5
    assert "not answered" in strip


def test_it_plots_odi_against_the_mcid_line(web, clinician, patient):
    record_scores(patient, {"baseline": {"odi": 50}, "6w": {"odi": 44}, "3m": {"odi": 36}})

    html = web(clinician).get(_url(patient)).content.decode()

    assert _chart_points(html, "odi") == 3
    assert "MCID target 40" in html  # 50 - 10 points beats 30% (35)


# ------------------------------------------------------------------- issue 16: the answers


def test_it_shows_every_finding_of_a_live_flag_with_its_answers(web, clinician, patient):
    from django.utils import timezone

    from recovery.models import FlagFinding

    flag = FlagFactory(patient=patient, category="infection")
    checkin = CheckInFactory(patient=patient, day=4, temperature_c=38.9)
    for rule_id, facts in [
        ("infection.fever_in_monitoring_window", {"temperature_c": 38.9, "postop_day": 4}),
        ("infection.purulent_drainage", {"wound_drainage": "pus"}),
    ]:
        FlagFinding.objects.create(
            flag=flag,
            rule_id=rule_id,
            rule_version=1,
            severity="urgent",
            facts=facts,
            checkin=checkin,
            at=timezone.now(),
        )

    page = web(clinician).get(_url(patient)).content.decode()

    assert "Fever in monitoring window (check-in of day 4" in page
    assert "Purulent drainage (check-in of day 4" in page
    assert "drainage: pus" in page


def test_it_offers_acknowledge_and_resolve_on_the_patient_page(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    page = web(clinician).get(_url(patient)).content.decode()

    assert f"/dashboard/flags/{flag.id}/acknowledge/" in page
    assert f"/dashboard/flags/{flag.id}/resolve/" in page


def test_it_returns_to_the_patient_page_after_resolving_there(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).post(
        f"/dashboard/flags/{flag.id}/resolve/",
        {"outcome": "advice_given", "note": "", "next": _url(patient)},
    )

    flag.refresh_from_db()
    assert response["Location"] == _url(patient)
    assert flag.status == "resolved"


def test_it_shows_every_red_flag_answer_of_a_checkin_on_the_timeline(web, clinician, patient):
    checkin = CheckInFactory(patient=patient, day=3, back_pain=5, leg_pain=3, temperature_c=38.9)
    checkin.saddle_numbness = True
    checkin.new_leg_weakness = True
    checkin.wound_drainage = "pus"
    checkin.chills = False
    checkin.save()

    page = web(clinician).get(_url(patient)).content.decode()

    assert (
        "Day 3: back pain 5/10, leg pain 3/10, 38.9 °C, drainage: pus, new leg weakness: yes, "
        "saddle numbness: yes, 1 other question answered no"
    ) in page


def test_it_lets_the_team_record_a_milestone_from_the_patient_page(web, clinician):
    from recovery.models import AccessEvent as Event

    planned = planned_patient(care_team=clinician.care_memberships.first().team, postop_day=20)
    wound_check = plan_of(planned).milestones.get(code="wound_check_suture_removal")
    client = web(clinician)
    assert f"milestone-{wound_check.id}" in client.get(_url(planned)).content.decode()

    response = client.post(
        f"/dashboard/patients/{planned.id}/milestones/{wound_check.id}/",
        {"status": "achieved", "date": (wound_check.target_date_min).isoformat()},
    )

    wound_check.refresh_from_db()
    assert response["Location"] == _url(planned)
    assert (wound_check.status, wound_check.recorded_by) == ("achieved", clinician)
    assert Event.objects.filter(patient=planned, object_type="milestone").count() == 1


def test_it_refuses_a_milestone_date_in_the_future(web, clinician):
    from django.utils import timezone

    planned = planned_patient(care_team=clinician.care_memberships.first().team, postop_day=20)
    wound_check = plan_of(planned).milestones.get(code="wound_check_suture_removal")

    web(clinician).post(
        f"/dashboard/patients/{planned.id}/milestones/{wound_check.id}/",
        {"status": "achieved", "date": (timezone.now().date() + timedelta(days=3)).isoformat()},
    )

    wound_check.refresh_from_db()
    assert wound_check.status == "pending"


def test_it_answers_404_for_another_teams_milestone(web, outsider_clinician):
    planned = planned_patient(postop_day=20)
    wound_check = plan_of(planned).milestones.get(code="wound_check_suture_removal")

    response = web(outsider_clinician).post(
        f"/dashboard/patients/{planned.id}/milestones/{wound_check.id}/", {"status": "achieved"}
    )

    assert response.status_code == 404


def test_it_draws_the_next_phase_boundary_in_the_first_two_weeks(frozen, web, clinician, patient):
    # Day 10: the axis reaches the first boundary (day 15) instead of stopping at 14.
    page = web(clinician).get(_url(patient)).context["page"]

    pain = next(c for c in page.charts if c.key == "pain")
    assert 'class="phase-marker"' in pain.svg


@pytest.mark.parametrize(
    ("key", "ticks"),
    [("temperature", ["35", "36", "37", "38", "39", "40"]), ("pain", ["0", "2", "4", "6", "8"])],
)
def test_it_labels_chart_axes_with_round_numbers(frozen, web, clinician, patient, key, ticks):
    import re

    page = web(clinician).get(_url(patient)).context["page"]

    svg = next(c for c in page.charts if c.key == key).svg
    labels = re.findall(r"<text[^>]*>([0-9.]+)</text>", svg)
    assert all("." not in label for label in labels), labels
    assert set(ticks) <= set(labels)


# ---------------------------------------- issue 16, item 8: a point a day, a shorter timeline


def _titles(html: str, chart_key: str) -> list[str]:
    import re

    start = html.index(f'id="chart-{chart_key}"')
    svg = html[start : html.index("</svg>", start)]
    return re.findall(r'class="point"[^>]*><title>([^<]*)</title>', svg)


def _same_day(patient, day: int, readings: list[dict]) -> None:
    """Check-ins on post-operative `day`, an hour apart, in the order given."""
    first = CheckInFactory(patient=patient, day=day, **readings[0])
    for hours, fields in enumerate(readings[1:], 1):
        CheckInFactory(
            patient=patient,
            day=day,
            recorded_at=first.recorded_at + timedelta(hours=hours),
            **fields,
        )


def test_it_plots_the_highest_temperature_of_a_day_whatever_came_later(web, clinician, patient):
    _same_day(patient, 6, [{"temperature_c": 38.4}, {"temperature_c": 37.2}, {}])
    CheckInFactory(patient=patient, day=7, temperature_c=37.0)

    html = web(clinician).get(_url(patient)).content.decode()

    assert _titles(html, "temperature") == [
        "Day 6: 38.4 °C (highest of 2 check-ins)",
        "Day 7: 37.0 °C",
    ]


def test_it_plots_the_worst_pain_of_each_day(web, clinician, patient):
    _same_day(patient, 2, [{"back_pain": 4, "leg_pain": 6}, {"back_pain": 7, "leg_pain": 3}])

    html = web(clinician).get(_url(patient)).content.decode()

    assert _titles(html, "pain") == [
        "Day 2: back 7/10 (worst of 2 check-ins)",
        "Day 2: leg 6/10 (worst of 2 check-ins)",
    ]


def test_it_lists_one_row_a_day_under_the_charts(web, clinician, patient):
    _same_day(patient, 3, [{"back_pain": 5, "temperature_c": 37.9}, {"back_pain": 2}])

    charts = {c.key: c for c in web(clinician).get(_url(patient)).context["page"].charts}

    assert list(charts["pain"].rows) == [(3, 5, 2, 2)]  # day, worst back, worst leg, check-ins
    assert list(charts["temperature"].rows) == [(3, "37.9", 1)]  # day, highest, readings


def test_it_shows_the_latest_events_first_with_a_link_to_the_full_timeline(web, clinician, patient):
    from recovery.selectors.patient_record import TIMELINE_FIRST

    CheckInFactory.create_batch(TIMELINE_FIRST + 1, patient=patient)

    response = web(clinician).get(_url(patient))

    assert len(response.context["page"].timeline) == TIMELINE_FIRST
    assert (
        '<a href="?timeline=all#timeline">Show the full timeline</a>' in response.content.decode()
    )


def test_it_shows_the_full_timeline_on_request(web, clinician, patient):
    from recovery.selectors.patient_record import TIMELINE_FIRST

    CheckInFactory.create_batch(TIMELINE_FIRST + 1, patient=patient)
    FlagFactory(patient=patient)

    response = web(clinician).get(_url(patient) + "?timeline=all")

    html = response.content.decode()
    assert len(response.context["page"].timeline) == TIMELINE_FIRST + 2  # and the flag raised
    assert f"All {TIMELINE_FIRST + 2} events." in html
    assert "Show the full timeline" not in html


def test_it_stops_the_full_timeline_at_its_limit(web, clinician, patient, monkeypatch):
    monkeypatch.setattr("recovery.dashboard.views.TIMELINE_LIMIT", 5)
    CheckInFactory.create_batch(7, patient=patient)

    response = web(clinician).get(_url(patient) + "?timeline=all")

    assert len(response.context["page"].timeline) == 5
    assert "The latest 5 events; older ones are not shown." in response.content.decode()


def test_it_offers_no_link_when_the_whole_timeline_shows(web, clinician, patient):
    CheckInFactory.create_batch(3, patient=patient)

    response = web(clinician).get(_url(patient))

    assert len(response.context["page"].timeline) == 3
    assert "Show the full timeline" not in response.content.decode()


def test_it_names_the_check_in_of_a_finding_older_than_the_timeline(web, clinician, patient):
    from django.utils import timezone

    from recovery.models import FlagFinding
    from recovery.selectors.patient_record import TIMELINE_FIRST

    old = CheckInFactory(patient=patient, day=1, temperature_c=38.6)
    CheckInFactory.create_batch(TIMELINE_FIRST + 1, patient=patient)
    flag = FlagFactory(patient=patient)
    FlagFinding.objects.create(
        flag=flag,
        rule_id="infection.fever_in_monitoring_window",
        rule_version=1,
        severity="urgent",
        facts={"temperature_c": 38.6},
        checkin=old,
        at=timezone.now(),
    )

    page = web(clinician).get(_url(patient)).content.decode()

    assert "Fever in monitoring window (check-in of day 1" in page
