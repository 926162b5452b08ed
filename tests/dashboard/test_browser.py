"""The dashboard in a real headless chromium against the live server (pytest-playwright).

Each test watches the console: a Content-Security-Policy violation (an inline script or style
that slipped into a template) is logged there as an error and fails the test.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from recovery.models import Flag, FlagFinding
from tests.dashboard.browser import sign_in
from tests.dashboard.world import seed_cohort
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_handles_an_emergency_flag_and_shows_the_patients_charts(
    page: Page, live_server, clinician, patient, csp_violations
):
    now = timezone.now()
    FlagFactory(
        patient=PatientFactory(care_team=patient.care_team),
        severity="urgent",
        opened_at=now - timedelta(days=1),
    )
    emergency = FlagFactory(
        patient=patient, severity="emergency", category="cauda_equina", opened_at=now
    )
    infection = FlagFactory(patient=patient, severity="urgent", category="infection", opened_at=now)
    for day, (back, leg, temp) in enumerate([(8, 6, 37.9), (7, 6, 38.3), (6, 4, 38.9)], 1):
        CheckInFactory(patient=patient, day=day, back_pain=back, leg_pain=leg, temperature_c=temp)
    for flag, rule_id, facts in [
        (emergency, "cauda_equina.saddle_numbness", {"saddle_numbness": True}),
        (infection, "infection.purulent_drainage", {"wound_drainage": "pus"}),
    ]:
        FlagFinding.objects.create(
            flag=flag, rule_id=rule_id, rule_version=1, severity=flag.severity, facts=facts, at=now
        )

    sign_in(page, live_server.url, clinician.username)

    # One row per patient, most severe first, with what the patient reported in words.
    first = page.locator("tr.patient-row").first
    expect(page.locator("tr.patient-row")).to_have_count(2)
    expect(first).to_have_attribute("data-patient-id", str(patient.id))
    expect(first).to_contain_text("Emergency")
    expect(first.locator("p.answers")).to_contain_text("saddle numbness: yes \u00b7 drainage: pus")
    item = first.locator(f'li[data-flag-id="{emergency.id}"]')
    item.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Flag acknowledged.")).to_be_visible()

    # Resolve from the patient page, by keyboard.
    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    flag_item = page.locator(f'li[data-flag-id="{emergency.id}"]')
    expect(flag_item).to_contain_text("saddle numbness: yes")
    flag_item.locator("summary").focus()
    page.keyboard.press("Enter")
    flag_item.get_by_label("Outcome").select_option("seen_in_clinic")
    flag_item.get_by_label("Note").fill("Seen the same day; MRI clear.")
    flag_item.get_by_role("button", name="Resolve flag").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Flag resolved.")).to_be_visible()
    expect(page.locator(f'li[data-flag-id="{emergency.id}"]')).to_have_count(0)
    emergency.refresh_from_db()
    assert (emergency.status, emergency.acknowledged_by_id) == ("resolved", clinician.id)

    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(patient.last_name)
    expect(page.locator("#chart-pain svg .point")).to_have_count(6)
    expect(page.locator("#chart-temperature svg .point")).to_have_count(3)
    expect(page.locator("#chart-pain svg path.series-line")).to_have_count(2)
    expect(page.locator(".timeline-item").first).to_contain_text("Flag resolved")


def test_it_shows_a_new_flag_without_a_reload(
    page: Page, live_server, settings, clinician, patient, csp_violations
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    sign_in(page, live_server.url, clinician.username)
    expect(page.locator("tr.patient-row")).to_have_count(0)

    flag = FlagFactory(patient=patient, severity="emergency", category="dvt_pe")

    expect(page.locator(f'li[data-flag-id="{flag.id}"]')).to_be_visible(timeout=10_000)
    expect(page.locator("#live-status")).to_contain_text("1 new flag")


def test_it_refuses_another_teams_patient(
    page: Page, live_server, clinician, other_patient, csp_violations
):
    FlagFactory(patient=other_patient, severity="emergency")
    sign_in(page, live_server.url, clinician.username)
    expect(page.locator("tr.patient-row")).to_have_count(0)

    response = page.goto(f"{live_server.url}/dashboard/patients/{other_patient.id}/")

    assert response is not None and response.status == 404
    assert Flag.objects.filter(patient=other_patient, status="open").exists()


def test_it_downloads_the_outcomes_csv(
    page: Page, live_server, settings, clinician, patient, csp_violations
):
    seed_cohort(patient.care_team)
    sign_in(page, live_server.url, clinician.username)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.locator("#chart-odi-trajectory .point")).to_have_count(6)  # 3 timepoints x 2

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()

    download = info.value
    assert download.suggested_filename == "outcomes-by-approach.csv"
    header = download.path().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("approach,timepoint,")


def test_it_clears_an_attention_entry_when_the_team_records_the_milestone(
    page: Page, live_server, clinician, csp_violations
):
    from tests.factories.plans import plan_of, planned_patient

    team = clinician.care_memberships.get().team
    late = planned_patient(care_team=team, postop_day=23, last_name="Latevisit")
    plan_of(late).milestones.exclude(code="wound_check_suture_removal").update(status="achieved")
    CheckInFactory(patient=late, day=23)
    wound_check = plan_of(late).milestones.get(code="wound_check_suture_removal")

    sign_in(page, live_server.url, clinician.username)
    attention = page.locator("section.attention")
    expect(attention).to_contain_text("Latevisit")
    expect(attention).to_contain_text("Overdue, not recorded: First follow-up visit")

    attention.get_by_role("link", name="Latevisit", exact=False).click()
    item = page.locator(f"#milestone-{wound_check.id}")
    item.get_by_label("Date").fill(wound_check.target_date_max.isoformat())
    item.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Milestone recorded.")).to_be_visible()

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("section.attention")).not_to_contain_text("Latevisit")
