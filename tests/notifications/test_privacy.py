"""The privacy guard (tests/privacy_guard.py) and what notifications hands to providers."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from celery.signals import before_task_publish

from notifications.dispatch import notification_deliver
from notifications.models import Notification
from notifications.services import Message, notify
from tests.factories.notifications import DeviceFactory
from tests.privacy_guard import PrivacyGuard

ROOT = Path(__file__).resolve().parents[2]
FLAG_ID = "5f0c6f0e-3b7a-4c55-9d8e-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    "value",
    [
        7,
        None,
        True,
        FLAG_ID,
        FLAG_ID.replace("-", ""),
        "2025-03-01",
        "checkin_due",
        "odi",
        "/dashboard/flags/5f0c6f0e-3b7a-4c55-9d8e-0a1b2c3d4e5f/",
        "A patient on your team needs review",
        ["12", {"patient_id": FLAG_ID}],
    ],
)
def test_it_allows_ids_codes_paths_and_catalogue_text(value) -> None:
    guard = PrivacyGuard()
    guard.check("value", value)
    assert guard.violations == []


@pytest.mark.parametrize(
    "value",
    [
        "fever 39.2 C",
        "Jane Doe",
        "Doe",
        "wound is red and leaking",
        "/patients/Jane Doe/",
        {"note": "severe leg pain"},
        [1, "numbness in left foot"],
        {"Free Text Key": 1},
        3.5,
    ],
)
def test_it_flags_free_text_and_values(value) -> None:
    guard = PrivacyGuard()
    guard.check("value", value)
    assert guard.violations


@pytest.mark.django_db
def test_everything_notifications_publishes_and_pushes_is_allowed(
    patient, published, push_transport, django_capture_on_commit_callbacks, privacy_guard
) -> None:
    """Real publishes to Redis and a real push payload go through the guard's taps."""
    DeviceFactory(user=patient.user)
    message = Message(
        patient.user_id,
        "careteam_flag",
        f"flag:{FLAG_ID}",
        context={"flag_id": FLAG_ID},
        urgent=True,
        link=f"/dashboard/flags/{FLAG_ID}/",
    )
    guard = PrivacyGuard()
    with guard.watching():
        with django_capture_on_commit_callbacks(execute=True):
            notify([message])
        push = Notification.objects.get(channel="push")
        notification_deliver(push.id)
        from notifications.tasks import deliver_batch

        before_task_publish.send(
            sender=deliver_batch.name, body=((), {"notification_ids": [str(push.id)]}, {})
        )
    assert len(push_transport.sent) == 1
    assert guard.violations == []


def test_it_catches_a_task_published_with_free_text(privacy_guard) -> None:
    guard = PrivacyGuard()
    with privacy_guard.suspended(), guard.watching():
        before_task_publish.send(sender="any.task", body=((), {"note": "fever 39.2 C"}, {}))
    assert guard.violations == [
        "task any.task kwargs.note: 'fever 39.2 C' is not on the privacy allowlist"
    ]


@pytest.mark.django_db
def test_it_catches_a_push_title_outside_the_catalogue(privacy_guard, push_transport) -> None:
    from notifications.channels import push

    guard = PrivacyGuard()
    with privacy_guard.suspended(), guard.watching():
        push._handoff("tok", "Your fever is 39.2", "Call us", {"id": FLAG_ID})
    assert len(guard.violations) == 2
    assert len(push_transport.sent) == 1  # the guard observes; it never blocks delivery


@pytest.mark.slow
def test_registered_as_a_plugin_it_fails_a_leaking_test(tmp_path) -> None:
    test_file = tmp_path / "test_leak.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import pytest
            from celery.signals import before_task_publish

            def test_leaks():
                before_task_publish.send(sender="t", body=((), {"note": "Jane Doe"}, {}))

            def test_is_clean():
                before_task_publish.send(sender="t", body=((), {"id": 1}, {}))

            @pytest.mark.privacy_allow(r"Jane Doe")
            def test_is_allowed_by_marker():
                before_task_publish.send(sender="t", body=((), {"note": "Jane Doe"}, {}))
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.privacy_guard",
            "-q",
            "-rA",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(ROOT),
            str(test_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 failed, 2 passed" in result.stdout, result.stdout + result.stderr
    assert "FAILED" in result.stdout and "test_leaks" in result.stdout
    assert "'Jane Doe' is not on the privacy allowlist" in result.stdout
