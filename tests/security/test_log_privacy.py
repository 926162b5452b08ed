"""No health data in logs: a realistic flow runs with every logger at DEBUG, then the captured
records are searched for what identifies the seeded patient or describes their health.

The flow: a clinician enrolls the patient (names, email, phone, date of birth), the patient
activates the account and logs in (including failed attempts), sends dangerous check-ins with
symptom values and a free-text note (one of them invalid), the flags alert the care team and
the notifications are delivered, then the clinician reads the lists, the patient, the flags and
the access log and acts on a flag.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from notifications.dispatch import notification_deliver
from notifications.models import Endpoint, Notification
from recovery.models import Flag
from tests.factories.checkins import checkin_payload
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

FIRST, LAST = "Marguerite", "Okonkwo-Lindqvist"
EMAIL = "marguerite.ol@example.org"
PHONE = "+44 20 7946 0958"
BIRTH = "1958-03-14"
NOTE = "tingling started after the dog jumped on me"
USERNAME = "marguerite.lindqvist"
PASSWORD = "a-long-and-unusual-passphrase-42"
# Symptom values as they would appear rendered in a message.
SYMPTOMS = ("38.9", "101.8", "saddle", "bladder", "drainage", "cloudy")
SECRETS = (FIRST, LAST, EMAIL, PHONE, BIRTH, NOTE, USERNAME, PASSWORD, *SYMPTOMS)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        # Everything a handler could write: message, traceback, stack, and any `extra` fields.
        text = self.formatter_.format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        self.lines.append(f"{text} {extras!r}" if extras else text)


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate or logger is logging.getLogger():
            logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


def _enroll(api: Any, clinician: Any) -> dict[str, Any]:
    surgery_date = timezone.now().date() - timedelta(days=5)
    body = {
        "first_name": FIRST,
        "last_name": LAST,
        "date_of_birth": BIRTH,
        "sex": "female",
        "timezone": "Europe/London",
        "email": EMAIL,
        "phone": PHONE,
        "surgery": {
            "date": surgery_date.isoformat(),
            "indication": "spondylolisthesis",
            "approach": "open",
            "technique": "tlif",
        },
    }
    response = api(clinician).post("/api/v1/care/patients/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _flow(api: Any, clinician: Any) -> None:
    enrolled = _enroll(api, clinician)
    Endpoint.objects.create(user=clinician, kind="push", platform="ios", token="nurse-phone")
    anonymous = api()
    activated = anonymous.post(
        "/api/v1/auth/activate/",
        {"activation_code": enrolled["activation_code"], "username": USERNAME,
         "password": PASSWORD},
    )  # fmt: skip
    assert activated.status_code == 201, activated.content
    for wrong in ("not-the-password", PASSWORD + "x"):
        anonymous.post("/api/v1/auth/token/", {"username": USERNAME, "password": wrong})
    token = anonymous.post("/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD})
    assert token.status_code == 200
    phone = api()
    phone.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")

    dangerous = [
        checkin_payload(temperature_c=38.9, wound_drainage="cloudy", wound_drainage_days=4,
                        notes=NOTE),
        checkin_payload(saddle_numbness=True, new_bladder_problem=True, back_pain=9),
        checkin_payload(temperature_f=101.8, chills=True),
    ]  # fmt: skip
    for body in dangerous:
        assert phone.post("/api/v1/me/check-ins/", body).status_code == 201
    # Invalid answers are dropped and named (partial input); an unreadable body is a 400.
    invalid = checkin_payload(temperature_c=48.9, notes=NOTE, saddle_numbness="yes")
    assert phone.post("/api/v1/me/check-ins/", invalid).status_code == 201
    unreadable = {**checkin_payload(notes=NOTE, saddle_numbness=True), "id": "not-a-uuid"}
    assert phone.post("/api/v1/me/check-ins/", unreadable).status_code == 400
    phone.post("/api/v1/me/check-ins/batch/", {"check_ins": [dangerous[0], invalid, unreadable]})
    assert phone.get("/api/v1/me/check-ins/").status_code == 200
    assert phone.get("/api/v1/me/").status_code == 200

    for row in Notification.objects.filter(status="pending"):
        notification_deliver(row.id)

    nurse = api(clinician)
    patient_id = enrolled["id"]
    for path in (
        "/api/v1/care/patients/",
        f"/api/v1/care/patients/{patient_id}/",
        f"/api/v1/care/patients/{patient_id}/access-log/",
        "/api/v1/care/flags/",
        "/api/v1/me/notifications/",
    ):
        assert nurse.get(path).status_code == 200, path
    flag = Flag.objects.filter(patient_id=patient_id).first()
    assert flag is not None
    assert nurse.get(f"/api/v1/care/flags/{flag.id}/").status_code == 200
    nurse.post(f"/api/v1/care/flags/{flag.id}/acknowledge/", {"note": NOTE})
    resolved = nurse.post(
        f"/api/v1/care/flags/{flag.id}/resolve/", {"outcome": "advice_given", "note": NOTE}
    )
    assert resolved.status_code == 200, resolved.content
    _dashboard_reads(clinician, patient_id, flag)


def _dashboard_reads(clinician: Any, patient_id: str, flag: Flag) -> None:
    """The care team's web pages, once the dashboard is part of the project."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        pages = [
            reverse("dashboard:worklist"),
            reverse("dashboard:patient", args=[patient_id]),
            reverse("dashboard:flag", args=[flag.id]),
        ]
    except NoReverseMatch:
        return
    browser = Client()
    verified_login(browser, clinician)
    for page in pages:
        assert browser.get(page).status_code in (200, 302), page


def test_it_logs_no_name_contact_note_or_symptom_of_the_patient(api, clinician, captured) -> None:
    _flow(api, clinician)

    assert captured.lines, "nothing was logged: the capture is not wired"
    leaks = [
        (secret, line)
        for line in captured.lines
        for secret in SECRETS
        if secret.lower() in line.lower()
    ]
    assert not leaks, leaks[:10]


def test_it_logs_where_a_database_error_happened_but_not_the_row_it_quotes(captured) -> None:
    from django.db import IntegrityError

    from core.exceptions import api_exception_handler

    # PostgreSQL quotes the whole failing row in a constraint violation's DETAIL.
    try:
        raise IntegrityError(
            'new row for relation "recovery_patient" violates check constraint\n'
            f"DETAIL:  Failing row contains ({FIRST}, {LAST}, {BIRTH}, 38.9)."
        )
    except IntegrityError as exc:
        response = api_exception_handler(exc, {})

    assert response is not None and response.status_code == 500
    text = "\n".join(captured.lines)
    assert "IntegrityError" in text and "test_log_privacy.py" in text  # still debuggable
    assert not [secret for secret in SECRETS if secret in text]


def test_it_logs_a_missing_template_variable_without_the_page_it_was_rendering(captured) -> None:
    from django.template import engines

    page = engines["django"].from_string("{{ nav }} {{ note }}")
    rendered = page.render({"note": NOTE, "temperature": "38.9"})

    assert NOTE in rendered
    text = "\n".join(captured.lines)
    assert "Exception while resolving variable 'nav'" in text  # the record is still there
    assert NOTE not in text and "38.9" not in text
