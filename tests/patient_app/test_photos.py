"""The check-in's "photo" step in the patient app (issue 21 item 7), in Debian's chromium.

The photo is a real JPEG made with Pillow, given to the camera input through Playwright as the
phone's camera would. Online it is uploaded with the check-in it belongs to; offline it waits
in IndexedDB (the Blob, under its client UUID) and is sent once when the connection returns.
"""

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from rest_framework.test import APIClient

from recovery.models import CheckIn
from tests.factories.plans import planned_patient
from tests.factories.wound_photos import jpeg_bytes
from tests.patient_app.browser import open_check_in as _open_check_in
from tests.patient_app.browser import sign_in as _sign_in
from tests.patient_app.test_browser import (  # noqa: F401  (fixtures re-used by name)
    _settled_page,
    script_problems,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMERA_LABEL = "Take a photo of your wound (optional)"


def _as_patient(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _their_photos(user) -> list[dict]:
    return _as_patient(user).get("/api/v1/me/wound-photos/").json()["results"]


def _take_photo(page: Page) -> None:
    page.get_by_label(CAMERA_LABEL).set_input_files(
        {"name": "wound.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((320, 240))}
    )
    expect(page.get_by_text("Photo ready to send with your check-in.")).to_be_visible()


def test_it_shows_the_prompts_photo_instructions_by_the_camera_input(
    page: Page,
    live_server,
    script_problems,  # noqa: F811
):
    patient = planned_patient(postop_day=3)
    prompt = _as_patient(patient.user).get("/api/v1/me/wound-photos/prompt/").json()
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)

    step = page.locator('[data-group="photo"]')
    for instruction in prompt["instructions"]:
        expect(step.get_by_text(instruction, exact=True)).to_be_visible()
    camera = step.get_by_label(CAMERA_LABEL)
    expect(camera).to_have_attribute("accept", "image/*")
    expect(camera).to_have_attribute("capture", "environment")


def test_it_uploads_a_photo_once_with_the_check_in_it_was_taken_for(
    page: Page,
    live_server,
    script_problems,  # noqa: F811
):
    patient = planned_patient(postop_day=3)
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)

    _take_photo(page)
    page.get_by_role("button", name="Send check-in").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    expect(page.get_by_text("Your wound photo was sent to your care team.")).to_be_visible()
    photos = _their_photos(patient.user)
    assert [p["check_in"] for p in photos] == [str(CheckIn.objects.get(patient=patient).id)]


def test_it_keeps_an_offline_photo_waiting_and_sends_it_once_when_back_online(
    page: Page,
    context: BrowserContext,
    live_server,
    script_problems,  # noqa: F811
):
    patient = planned_patient(postop_day=3)
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)

    context.set_offline(True)
    _take_photo(page)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Waiting to send")).to_be_visible()
    expect(page.locator('[data-waiting="photo"]')).to_be_visible()
    expect(page.locator("#net")).to_contain_text("2 waiting to send")  # check-in and photo
    assert _their_photos(patient.user) == []

    with page.expect_response(
        lambda r: r.url.endswith("/me/wound-photos/") and r.request.method == "POST"
    ) as upload:
        context.set_offline(False)
    assert upload.value.status == 201
    expect(page.locator("#net")).to_have_text("")
    page.reload()  # the app flushes again on start: the replay must not double it
    expect(page.get_by_role("heading", level=1, name="Check-in")).to_be_visible()
    expect(page.locator("#net")).to_have_text("")

    photos = _their_photos(patient.user)
    assert [p["check_in"] for p in photos] == [str(CheckIn.objects.get(patient=patient).id)]


def test_it_replays_a_photo_whose_answer_was_lost_without_storing_it_twice(
    page: Page,
    live_server,
    script_problems,  # noqa: F811
):
    patient = planned_patient(postop_day=3)
    posts: list[str] = []  # the uploads that reached the route

    def _lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.url)
        if len(posts) == 1:
            route.fetch()  # the server stores the photo...
            route.abort("connectionreset")  # ...and the answer never reaches the phone
        else:
            route.continue_()

    page.route("**/api/v1/me/wound-photos/", _lose_the_first_answer)
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)
    _take_photo(page)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    expect(page.locator('[data-waiting="photo"]')).to_be_visible()
    expect(page.locator("#net")).to_contain_text("1 waiting to send")

    with page.expect_response(
        lambda r: r.url.endswith("/me/wound-photos/") and r.request.method == "POST"
    ) as replay:
        page.reload()  # the app flushes its queue on start: the same photo id goes again
    assert replay.value.status == 200  # the stored photo, not a new one (201)
    expect(page.locator("#net")).to_have_text("")

    assert len(posts) == 2
    assert len(_their_photos(patient.user)) == 1
