"""Saves the README's dashboard screenshots: `make screenshots` (pytest -m screenshots).

Not part of the default run (pyproject addopts deselect the marker); it drives the same live
server and chromium as the browser tests over a seeded team.
"""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from recovery.models import Flag
from tests.dashboard.world import seed_cohort, seed_recovering_patient, seed_worklist
from tests.factories import PASSWORD
from tests.factories.plans import planned_patient
from tests.mfa import totp_code, totp_device_for

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_it_saves_worklist_patient_and_outcomes_screenshots(page: Page, live_server, clinician):
    clinician.first_name, clinician.last_name = "Sam", "Rivera"
    clinician.save()
    team = clinician.care_memberships.get().team
    patient = planned_patient(
        care_team=team,
        postop_day=10,
        first_name="Maria",
        last_name="Lopez",
        smoking_status="current",
    )
    seed_cohort(patient.care_team)
    seed_recovering_patient(patient)
    seed_worklist(patient.care_team, patient)
    # issue 16: one flag taken by the signed-in nurse ("Assigned to Sam Rivera (you)").
    Flag.objects.filter(category="urinary_retention").update(
        owner=clinician, assigned_at=timezone.now()
    )
    OUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    device = totp_device_for(clinician)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("tr.patient-row")).to_have_count(3)
    page.screenshot(path=OUT / "worklist.png", full_page=True)

    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    expect(page.locator("#chart-pain .point")).to_have_count(20)
    page.screenshot(path=OUT / "patient.png", full_page=True)

    page.goto(f"{live_server.url}/dashboard/outcomes/")
    expect(page.locator("#chart-odi-trajectory .point")).to_have_count(6)
    page.screenshot(path=OUT / "outcomes.png", full_page=True)

    assert all(
        (OUT / name).stat().st_size > 10_000
        for name in ("worklist.png", "patient.png", "outcomes.png")
    )


def test_it_saves_the_wound_photo_comparison_screenshot(page: Page, live_server, clinician):
    """docs/screenshots/wound-compare.png: two days of wound photos side by side (issue 21)."""
    from tests.factories.wound_photos import make_incision_photo
    from tests.mfa import totp_code, totp_device_for

    clinician.first_name, clinician.last_name = "Sam", "Rivera"
    clinician.save()
    team = clinician.care_memberships.get().team
    patient = planned_patient(care_team=team, postop_day=10, first_name="Maria", last_name="Lopez")
    for day, redness in ((2, 0.0), (4, 0.1), (6, 0.3), (8, 0.6), (9, 0.8)):
        make_incision_photo(patient, postop_day=day, redness=redness)
    OUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    device = totp_device_for(clinician)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/?day_a=2&day_b=9#wound-photos")
    section = page.locator("#wound-photos")
    expect(section.locator("#wound-compare img")).to_have_count(2)
    for image in section.locator("img").all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
    section.screenshot(path=OUT / "wound-compare.png")

    assert (OUT / "wound-compare.png").stat().st_size > 10_000
