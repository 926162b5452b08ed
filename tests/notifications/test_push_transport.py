"""The FCM transport maps provider errors to permanent or transient DeliveryErrors.

Only `firebase_admin.messaging.send` (the SDK's network call) is replaced here.
"""

import pytest
from firebase_admin import exceptions, messaging

from notifications.channels.base import DeliveryError
from notifications.channels.push import FcmTransport, LoggingTransport, transport
from notifications.conf import push_transport_path


@pytest.fixture
def fcm(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(FcmTransport, "_app", object())
    calls: list[messaging.Message] = []

    def _answer(error: Exception | None):
        def _send(message: messaging.Message, app: object = None) -> str:
            calls.append(message)
            if error:
                raise error
            return "projects/x/messages/1"

        monkeypatch.setattr(messaging, "send", _send)
        return calls

    return _answer


def test_it_sends_title_body_and_string_data(fcm) -> None:
    calls = fcm(None)
    FcmTransport().send("tok", "Title", "Body", {"id": "1"})
    [message] = calls
    assert (message.token, message.notification.title, message.data) == (
        "tok",
        "Title",
        {"id": "1"},
    )


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (messaging.UnregisteredError("gone"), True),
        (messaging.SenderIdMismatchError("other sender"), True),
        (exceptions.InvalidArgumentError("bad token"), True),
        (exceptions.UnavailableError("try later"), False),
        (exceptions.InternalError("oops"), False),
        (messaging.QuotaExceededError("slow down"), False),
        (exceptions.DeadlineExceededError("timeout"), False),
        (ConnectionError("reset"), False),
    ],
)
def test_it_maps_provider_errors(fcm, error, permanent) -> None:
    fcm(error)
    with pytest.raises(DeliveryError) as raised:
        FcmTransport().send("tok", "T", "B", {})
    assert raised.value.permanent is permanent
    assert raised.value.message == f"fcm: {type(error).__name__}"


@pytest.mark.parametrize(
    ("push_enabled", "configured", "expected"),
    [
        (False, "", "notifications.channels.push.LoggingTransport"),
        (True, "", "notifications.channels.push.FcmTransport"),
        (True, "tests.x.Fake", "tests.x.Fake"),
    ],
)
def test_the_transport_is_chosen_by_settings(settings, push_enabled, configured, expected) -> None:
    settings.PUSH_ENABLED = push_enabled
    settings.NOTIFICATIONS = {"PUSH_TRANSPORT": configured} if configured else {}
    assert push_transport_path() == expected


def test_the_logging_transport_logs_only_the_id(caplog) -> None:
    caplog.set_level("INFO")
    LoggingTransport().send("secret-token", "Title", "Body", {"id": "abc", "template": "x"})
    assert "abc" in caplog.text
    assert "secret-token" not in caplog.text and "Title" not in caplog.text


def test_an_unknown_notifications_setting_is_refused(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.NOTIFICATIONS = {"MAX_RETRIEZ": 3}
    with pytest.raises(ImproperlyConfigured, match="MAX_RETRIEZ"):
        push_transport_path()


def test_the_default_transport_never_reaches_a_provider(settings, monkeypatch) -> None:
    monkeypatch.undo()  # drop the suite's recording fake: this is the real selection
    settings.PUSH_ENABLED = False
    assert isinstance(transport(), LoggingTransport)
