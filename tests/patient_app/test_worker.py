"""The patient app against the live server with a real Celery worker (issue 20, Tests).

What the app's requests publish runs in the module's worker (tests/patient_app/worker.py),
through the real Redis broker, against the test database. Only the push provider's transport,
the network boundary, is replaced.
"""

from collections.abc import Mapping

import pytest
from playwright.sync_api import Page, Response, expect

from notifications.channels import push
from notifications.models import Endpoint, Notification
from recovery.models import Flag
from recovery.services.flags import flag_link
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient
from tests.patient_app.browser import open_check_in, say_yes_to, sign_in
from tests.patient_app.worker import WorkerLedger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class RecordingPush:
    """The FCM transport's seam: records what the worker hands to the provider."""

    def __init__(self) -> None:
        self.sent: list[Mapping[str, str]] = []

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        self.sent.append({"token": token, **data})


def _check_in_sent(response: Response) -> bool:
    return response.request.method == "POST" and "/api/v1/me/check-ins/" in response.url


def test_it_delivers_the_care_teams_alert_for_an_emergency_check_in_through_the_worker(
    page: Page, live_server, worker: WorkerLedger, monkeypatch
):
    recorder = RecordingPush()
    monkeypatch.setattr(push, "transport", lambda: recorder)
    patient = planned_patient(postop_day=10)
    nurse = ClinicianFactory(care_teams=[patient.care_team])
    Endpoint.objects.create(user=nurse, kind="push", platform="android", token="nurse-phone")
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)
    mark = worker.mark()

    say_yes_to(page, "legs", "Numbness between your legs or around your bottom")
    # The app shows the emergency screen before the server answers (it knows the emergency
    # answers offline too): wait for the check-in's own response, then for the worker.
    with page.expect_response(_check_in_sent) as answer:
        page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="This is an emergency")).to_be_visible()
    assert answer.value.ok
    worker.wait_idle()

    flag = Flag.objects.get(patient=patient)
    alerts = Notification.objects.filter(recipient=nurse, link=flag_link(flag))
    # In-app rows are delivered by being written; the push row only by the worker.
    assert sorted(alerts.values_list("channel", "status")) == [("inapp", "sent"), ("push", "sent")]
    assert [(s["token"], s["link"]) for s in recorder.sent] == [("nurse-phone", flag_link(flag))]
    assert "notifications.tasks.deliver_batch" in worker.ran_since(mark)
