"""Password change and reset, for patients (API) and clinicians (dashboard)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from recovery.services import passwords
from tests.factories import PASSWORD
from tests.mfa import totp_code, totp_device_for, verified_login

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
REFRESH = "/api/v1/auth/token/refresh/"
CHANGE = "/api/v1/auth/password/change/"
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
NEW = "a-new-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _worker(monkeypatch) -> None:
    """The reset email's task runs in-process (the test transaction never commits)."""
    monkeypatch.setattr(
        passwords, "enqueue_on_commit", lambda task, **kwargs: task.apply(kwargs=kwargs)
    )


def _sign_in(api, username: str, password: str = PASSWORD) -> dict[str, str]:
    return api().post(TOKEN, {"username": username, "password": password}).json()


def _bearer(api, access: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _link_parts(body: str) -> tuple[str, str]:
    match = re.search(r"uid=([\w-]+)&token=([\w-]+)", body)
    assert match, body
    return match.group(1), match.group(2)


def _reset_email(api, email: str) -> tuple[str, str]:
    api().post(RESET, {"email": email})
    return _link_parts(mail.outbox[-1].body)


# --- change ------------------------------------------------------------------------------------


def test_a_patient_changes_their_password(api, patient) -> None:
    tokens = _sign_in(api, patient.user.username)

    response = _bearer(api, tokens["access"]).post(
        CHANGE, {"old_password": PASSWORD, "new_password": NEW}
    )

    assert response.status_code == 204
    assert "access" in _sign_in(api, patient.user.username, NEW)


def test_a_change_revokes_the_other_sign_ins_but_not_this_one(api, patient) -> None:
    this, other = _sign_in(api, patient.user.username), _sign_in(api, patient.user.username)

    _bearer(api, this["access"]).post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})

    assert _bearer(api, this["access"]).get(ME).status_code == 200
    assert _bearer(api, other["access"]).get(ME).status_code == 401
    assert api().post(REFRESH, {"refresh": other["refresh"]}).status_code == 401


def test_a_change_needs_the_current_password(api, patient) -> None:
    response = api(patient.user).post(CHANGE, {"old_password": "wrong", "new_password": NEW})

    assert response.status_code == 400
    assert "old_password" in response.json()["extra"]["fields"]


def test_a_change_refuses_a_weak_password(api, patient) -> None:
    response = api(patient.user).post(CHANGE, {"old_password": PASSWORD, "new_password": "1234"})

    assert response.status_code == 400
    assert "new_password" in response.json()["extra"]["fields"]


def test_a_change_needs_a_signed_in_user(api) -> None:
    assert api().post(CHANGE, {"old_password": PASSWORD, "new_password": NEW}).status_code == 401


# --- reset (API) -------------------------------------------------------------------------------


def test_a_reset_email_leads_to_a_new_password(api, patient) -> None:
    uid, token = _reset_email(api, patient.user.email)

    response = api().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})

    assert response.status_code == 204
    assert "access" in _sign_in(api, patient.user.username, NEW)


def test_the_answer_is_the_same_whether_or_not_the_account_exists(api, patient) -> None:
    known = api().post(RESET, {"email": patient.user.email})
    unknown = api().post(RESET, {"email": "nobody@example.org"})

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert len(mail.outbox) == 1


def test_the_reset_link_works_once(api, patient) -> None:
    uid, token = _reset_email(api, patient.user.email)
    api().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})

    again = api().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW + "x"})

    assert again.status_code == 400
    assert again.json()["code"] == "invalid_reset_link"


def test_the_reset_link_expires_after_an_hour(api, patient) -> None:
    uid, token = _reset_email(api, patient.user.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = api().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})

    assert response.status_code == 400


def test_a_reset_revokes_every_sign_in(api, patient) -> None:
    tokens = _sign_in(api, patient.user.username)
    uid, token = _reset_email(api, patient.user.email)

    api().post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})

    assert _bearer(api, tokens["access"]).get(ME).status_code == 401


def test_the_reset_email_carries_no_health_data(api, patient) -> None:
    api().post(RESET, {"email": patient.user.email})
    message = mail.outbox[-1]
    text = f"{message.subject}\n{message.body}".lower()

    for word in ("spine", "fusion", "surgery", "l3", "patient", patient.first_name.lower()):
        assert word not in text
    assert patient.user.username not in text


# --- dashboard (clinicians) --------------------------------------------------------------------


def test_a_clinician_resets_the_password_from_the_dashboard(clinician) -> None:
    client = Client()
    sent = client.post("/dashboard/password/reset/", {"email": clinician.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]

    done = client.post(path, {"new_password1": NEW, "new_password2": NEW})

    assert sent.status_code == 200
    assert path.startswith("/dashboard/password/reset/")
    assert done["Location"] == "/dashboard/login/"
    device = totp_device_for(clinician)
    client.post("/dashboard/login/", {"username": clinician.username, "password": NEW})
    assert client.post("/dashboard/login/code/", {"otp": totp_code(device)})["Location"] == (
        "/dashboard/"
    )


def test_a_clinician_changes_the_password_and_other_sessions_end(clinician) -> None:
    this, other = verified_login(Client(), clinician), verified_login(Client(), clinician)

    response = this.post(
        "/dashboard/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response["Location"] == "/dashboard/"
    assert this.get("/dashboard/").status_code == 200
    assert other.get("/dashboard/").status_code == 302
