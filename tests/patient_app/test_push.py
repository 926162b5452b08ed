"""Web push from the patient app (issue 20, item 4 and Tests: "the push subscription is stored as
a device; the pywebpush call is replaced at the network boundary in a separate test").

The first test is a real `pushManager.subscribe` in Debian's chromium, whose GCM registration
is answered on loopback (tests/patient_app/push.py, FakeGcm): the browser makes its own keys,
so nothing can decrypt what is later sent to it. The second test therefore subscribes with a
key pair the test holds (PushManager answers with it, the app's code runs unchanged) and reads
what pywebpush encrypted for it, sent by the real worker when the patient's reminder falls due.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, Playwright

from notifications.catalogue import catalogue_texts
from notifications.channels import webpush
from notifications.models import Endpoint, Notification
from notifications.services import preference_update
from recovery.models import ReminderSchedule
from recovery.tasks import send_due_reminders
from tests.factories.plans import planned_patient
from tests.patient_app.browser import sign_in, turn_notifications_on
from tests.patient_app.push import (
    PAYLOAD_KEYS,
    FakeGcm,
    PushService,
    Subscriber,
    b64url_decode,
    vapid_keys,
)
from tests.patient_app.worker import WorkerLedger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vapid_public_key(settings) -> Iterator[str]:
    """The deployment's VAPID pair: the app subscribes with the public half, pywebpush signs
    with the private one."""
    private, public = vapid_keys()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = private
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@example.org"
    webpush._vapid.cache_clear()
    yield public
    webpush._vapid.cache_clear()


@pytest.fixture
def push_service(monkeypatch) -> PushService:
    service = PushService()
    monkeypatch.setattr(requests, "post", service.post)
    return service


@pytest.fixture
def gcm() -> Iterator[FakeGcm]:
    with FakeGcm() as fake:
        yield fake


@pytest.fixture
def own_profile_page(
    playwright: Playwright,
    browser_type_launch_args: dict,
    browser_context_args: dict,
    gcm: FakeGcm,
    live_server,
    tmp_path: Path,
) -> Iterator[Page]:
    """A phone-sized chromium with a profile of its own: push messaging is refused in the
    off-the-record contexts Playwright makes by default ("permission denied")."""
    launch = {**browser_type_launch_args}
    launch["args"] = [*launch.get("args", []), *gcm.chromium_args()]
    context: BrowserContext = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", **launch, **browser_context_args
    )
    try:
        context.grant_permissions(["notifications"], origin=live_server.url)
        page = context.new_page()
        page.clock.install(time=datetime.now(UTC))
        yield page
        page.wait_for_load_state("networkidle")
    finally:
        context.close()  # before the live server's database is flushed


def test_it_stores_the_browsers_own_push_subscription_as_a_web_device(
    own_profile_page: Page, live_server, gcm: FakeGcm, vapid_public_key: str
):
    page = own_profile_page
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)

    # A real subscribe waits for chromium's GCM check-in and registration (1-6 s measured here).
    turn_notifications_on(page, timeout=30_000)

    subscription = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return (await registration.pushManager.getSubscription()).toJSON();
        }"""
    )
    device = Endpoint.objects.get(user=patient.user)
    assert (device.platform, device.token, device.subscription_keys, device.disabled) == (
        "web",
        subscription["endpoint"],
        subscription["keys"],
        False,
    )
    assert device.token.endswith(f"/fcm/send/{FakeGcm.TOKEN}")
    # The browser registered with the server's VAPID key, and made its own P-256 key pair.
    [registration] = gcm.web_push_registrations()
    assert registration["sender"] == vapid_public_key
    point = b64url_decode(device.subscription_keys["p256dh"])
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # raises if not on P-256
    assert len(b64url_decode(device.subscription_keys["auth"])) == 16


def test_it_pushes_a_due_reminder_that_only_the_subscription_can_read_and_that_has_no_health_data(
    page: Page,
    context: BrowserContext,
    live_server,
    worker: WorkerLedger,
    push_service: PushService,
    vapid_public_key: str,
):
    subscriber = Subscriber()
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(subscriber.page_stub())
    patient = planned_patient(postop_day=10, first_name="Rosa", last_name="Diaz")
    # No quiet hours, so the reminder goes out at whatever hour the suite runs.
    preference_update(user_id=patient.user_id, quiet_hours_start=time(0), quiet_hours_end=time(0))
    sign_in(page, live_server.url, patient.user.username)
    turn_notifications_on(page)
    options = page.evaluate("window.__pushOptions")
    assert options == {
        "userVisibleOnly": True,
        "applicationServerKey": list(b64url_decode(vapid_public_key)),
    }
    device = Endpoint.objects.get(user=patient.user, platform="web")
    assert (device.token, device.subscription_keys) == (subscriber.endpoint, subscriber.keys)

    # The morning reminder falls due, and beat's per-minute tick publishes the sweep.
    due = ReminderSchedule.objects.filter(patient=patient, kind=ReminderSchedule.Kind.MORNING)
    assert due.update(next_due_at=timezone.now()) == 1
    send_due_reminders.delay()
    worker.wait_idle()

    sent = [r for r in push_service.received if r["url"] == subscriber.endpoint]
    payloads = [subscriber.decrypt(r["data"]) for r in sent]
    assert "checkin_due" in {p["template"] for p in payloads}
    assert all(set(p) <= PAYLOAD_KEYS for p in payloads)
    assert all({p["title"], p["body"]} <= catalogue_texts() for p in payloads)
    assert not any("Rosa" in str(p) or "Diaz" in str(p) for p in payloads)
    assert all(r["headers"]["Authorization"].startswith("vapid t=") for r in sent)
    rows = Notification.objects.filter(endpoint=device)
    assert set(rows.values_list("status", flat=True)) == {"sent"}
