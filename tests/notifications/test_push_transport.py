"""The FCM transport maps provider errors to permanent or transient DeliveryErrors.

Only `firebase_admin.messaging.send` (the SDK's network call) is replaced here.
"""

import pytest
from firebase_admin import exceptions, messaging

from notifications.channels.base import DeliveryError
from notifications.channels.push import (
    FCM_BATCH_LIMIT,
    FcmTransport,
    LoggingTransport,
    PushMessage,
    transport,
)
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


@pytest.fixture
def fcm_batch(monkeypatch: pytest.MonkeyPatch):
    """Replace messaging.send_each (the SDK's batch network call); answers per token."""
    monkeypatch.setattr(FcmTransport, "_app", object())
    calls: list[list[messaging.Message]] = []
    errors: dict[str, Exception] = {}

    def _send_each(
        messages: list[messaging.Message], app: object = None
    ) -> messaging.BatchResponse:
        calls.append(messages)
        return messaging.BatchResponse(
            [
                messaging.SendResponse(None, errors[m.token])
                if m.token in errors
                else messaging.SendResponse({"name": f"projects/x/messages/{i}"}, None)
                for i, m in enumerate(messages)
            ]
        )

    monkeypatch.setattr(messaging, "send_each", _send_each)
    return calls, errors


def _messages(count: int) -> list[PushMessage]:
    return [PushMessage(f"tok-{i}", "T", "B", {"id": f"id-{i}"}) for i in range(count)]


def test_send_many_maps_each_response_to_its_message(fcm_batch) -> None:
    _, errors = fcm_batch
    errors["tok-1"] = messaging.UnregisteredError("gone")
    errors["tok-2"] = exceptions.UnavailableError("later")
    results = FcmTransport().send_many(_messages(3))
    assert results[0] is None
    assert (results[1].permanent, results[1].message) == (True, "fcm: UnregisteredError")
    assert (results[2].permanent, results[2].message) == (False, "fcm: UnavailableError")


def test_send_many_stays_within_the_sdk_batch_limit(fcm_batch) -> None:
    calls, _ = fcm_batch
    assert FcmTransport().send_many(_messages(FCM_BATCH_LIMIT + 1)) == [None] * (
        FCM_BATCH_LIMIT + 1
    )
    assert [len(c) for c in calls] == [FCM_BATCH_LIMIT, 1]


def test_a_resent_message_replaces_the_first_on_the_phone(fcm_batch) -> None:
    calls, _ = fcm_batch
    FcmTransport().send_many(_messages(1))
    [[message]] = calls
    assert message.android.notification.tag == "id-0"
    assert message.apns.headers == {"apns-collapse-id": "id-0"}


def test_a_failed_batch_call_is_a_transient_error_for_each_message(monkeypatch) -> None:
    monkeypatch.setattr(FcmTransport, "_app", object())

    def _down(messages: list, app: object = None) -> None:
        raise exceptions.UnknownError("all threads failed")

    monkeypatch.setattr(messaging, "send_each", _down)
    results = FcmTransport().send_many(_messages(2))
    assert [(r.permanent, r.message) for r in results] == [(False, "fcm: UnknownError")] * 2
