"""Web push (issue 20): pywebpush encrypts and signs for real; only the network is replaced.

`requests.post` is the boundary: the fake push service records what it was sent and answers
with the status the test chooses. The browser's keys are made here, so the test can decrypt
what the push service received and see that it carries no health data.
"""

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import http_ece
import pytest
import requests
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from notifications.channels import webpush
from notifications.dispatch import Outcome, notification_deliver
from notifications.models import Endpoint, Notification
from notifications.services import Message, notify
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db

MIDDAY = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # 12:00 EST, outside quiet hours
PUSH_URL = "https://push.example.net/send/abc123"
ALLOWED_PAYLOAD_KEYS = {"title", "body", "id", "template", "link"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's push subscription: its private key decrypts what the service received."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": PUSH_URL, "keys": {"p256dh": _b64(point), "auth": _b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


@dataclass
class FakeResponse:
    status_code: int
    reason: str = ""
    text: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class PushService:
    status: int = 201
    received: list[dict] = field(default_factory=list)

    def post(self, url: str, **kwargs) -> FakeResponse:
        self.received.append({"url": url, **kwargs})
        return FakeResponse(self.status)


@pytest.fixture
def push_service(monkeypatch) -> PushService:
    service = PushService()
    monkeypatch.setattr(requests, "post", service.post)
    return service


@pytest.fixture(autouse=True)
def vapid(settings) -> Vapid:
    key = Vapid()
    key.generate_keys()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = key.private_pem().decode()
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@example.org"
    webpush._vapid.cache_clear()
    yield key
    webpush._vapid.cache_clear()


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def web_device(patient, browser) -> Endpoint:
    subscription = browser.subscription()
    return DeviceFactory(
        user=patient.user,
        platform=Endpoint.Platform.WEB,
        token=subscription["endpoint"],
        subscription_keys=subscription["keys"],
    )


def _push_row(user_id: int) -> Notification:
    notify([Message(user_id, "checkin_due", "checkin:p:1")])
    return Notification.objects.get(channel="push")


@time_machine.travel(MIDDAY, tick=False)
def test_it_sends_an_encrypted_push_signed_with_vapid(patient, web_device, push_service, browser):
    row = _push_row(patient.user_id)

    assert notification_deliver(row.id) == Outcome.SENT

    [sent] = push_service.received
    assert sent["url"] == PUSH_URL
    assert sent["headers"]["Authorization"].startswith("vapid t=")
    assert sent["headers"]["Content-Encoding"] == "aes128gcm"
    payload = browser.decrypt(sent["data"])
    assert set(payload) <= ALLOWED_PAYLOAD_KEYS
    assert payload["id"] == str(row.id)


@pytest.mark.parametrize("status", [404, 410])
@time_machine.travel(MIDDAY, tick=False)
def test_it_disables_a_subscription_the_push_service_reports_gone(
    patient, web_device, push_service, status
):
    push_service.status = status
    row = _push_row(patient.user_id)

    assert notification_deliver(row.id) == Outcome.FAILED

    web_device.refresh_from_db()
    assert (web_device.disabled, web_device.disabled_reason) == (True, f"webpush: HTTP {status}")


@time_machine.travel(MIDDAY, tick=False)
def test_it_retries_when_the_push_service_is_unavailable(patient, web_device, push_service):
    push_service.status = 503
    row = _push_row(patient.user_id)

    assert notification_deliver(row.id) == Outcome.RETRY

    web_device.refresh_from_db()
    assert (web_device.disabled, web_device.last_error) == (False, "webpush: HTTP 503")


def test_it_stores_a_browser_subscription_as_a_web_device(api, patient, browser):
    subscription = browser.subscription()

    response = api(patient.user).post(
        "/api/v1/me/devices/", {"platform": "web", "subscription": subscription}, format="json"
    )

    assert (response.status_code, response.json()["platform"]) == (201, "web")
    device = Endpoint.objects.get(user=patient.user)
    assert (device.token, device.subscription_keys) == (PUSH_URL, subscription["keys"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "web"}, "subscription"),
        ({"platform": "ios"}, "token"),
    ],
)
def test_it_refuses_a_device_with_neither_token_nor_subscription(api, patient, body, field):
    response = api(patient.user).post("/api/v1/me/devices/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
