"""Two-factor sign-in for clinicians and staff (TOTP via django-otp, recovery codes)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from recovery.models import AccessEvent
from recovery.services.mfa import recovery_codes_issue, totp_device_enroll
from tests.factories import PASSWORD, UserFactory
from tests.mfa import totp_code, totp_device_for, verified_login

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGIN = "/dashboard/login/"
CODE = "/dashboard/login/code/"
SETUP = "/dashboard/account/two-factor/"


def _token(api, user, **extra: str):
    return api().post(TOKEN, {"username": user.username, "password": PASSWORD, **extra})


# --- API ---------------------------------------------------------------------------------------


def test_it_asks_a_clinician_for_the_code(api, clinician) -> None:
    totp_device_for(clinician)

    response = _token(api, clinician)

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_required"
    assert set(response.json()) == {"message", "code", "extra"}


def test_it_refuses_a_wrong_code(api, clinician) -> None:
    device = totp_device_for(clinician)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = _token(api, clinician, otp=wrong)

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"


def test_it_issues_tokens_with_a_valid_code(api, clinician) -> None:
    device = totp_device_for(clinician)

    response = _token(api, clinician, otp=totp_code(device))

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_it_accepts_the_code_of_the_time_it_is_typed(api, clinician) -> None:
    device = totp_device_for(clinician)
    later = timezone.now() + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        response = _token(api, clinician, otp=totp_code(device))

    assert response.status_code == 200


def test_it_refuses_a_code_from_an_hour_ago(api, clinician) -> None:
    device = totp_device_for(clinician)
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        stale = totp_code(device)

    assert _token(api, clinician, otp=stale).json()["code"] == "mfa_invalid"


def test_it_refuses_a_code_used_once_already(api, clinician) -> None:
    device = totp_device_for(clinician)
    with time_machine.travel(timezone.now(), tick=False):
        code = totp_code(device)
        assert _token(api, clinician, otp=code).status_code == 200

        assert _token(api, clinician, otp=code).json()["code"] == "mfa_invalid"


def test_it_refuses_tokens_to_a_clinician_without_a_device(api, clinician) -> None:
    response = _token(api, clinician, otp="123456")

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_required"
    assert "/dashboard/login/" in response.json()["message"]  # where to enroll


def test_it_requires_the_code_from_staff_on_no_care_team(api, staff) -> None:
    assert _token(api, staff).json()["code"] == "mfa_required"


def test_it_lets_clinicians_sign_in_without_a_code_when_mfa_is_off(api, clinician, settings):
    settings.CLINICIAN_MFA_REQUIRED = False

    assert _token(api, clinician).status_code == 200


def test_patients_sign_in_with_a_password_alone(api, patient) -> None:
    assert _token(api, patient.user).status_code == 200


def test_a_patient_who_chose_mfa_is_asked_for_the_code(api, patient) -> None:
    device = totp_device_enroll(user=patient.user)

    assert _token(api, patient.user).json()["code"] == "mfa_required"
    assert _token(api, patient.user, otp=totp_code(device)).status_code == 200


def test_a_recovery_code_works_once(api, clinician) -> None:
    totp_device_for(clinician)
    code = recovery_codes_issue(user=clinician)[0]

    first = _token(api, clinician, otp=code)
    second = _token(api, clinician, otp=code)

    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json()["code"] == "mfa_invalid"


def test_it_issues_ten_distinct_recovery_codes(clinician) -> None:
    codes = recovery_codes_issue(user=clinician)

    assert len(set(codes)) == 10


def test_new_recovery_codes_replace_the_old_ones(api, clinician) -> None:
    totp_device_for(clinician)
    old = recovery_codes_issue(user=clinician)[0]
    recovery_codes_issue(user=clinician)

    assert _token(api, clinician, otp=old).json()["code"] == "mfa_invalid"


# --- dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_asks_for_the_code_after_the_password(clinician) -> None:
    device = totp_device_for(clinician)
    client = Client()

    after_password = client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})
    not_yet = client.get("/dashboard/")
    after_code = client.post(CODE, {"otp": totp_code(device)})

    assert after_password["Location"] == CODE
    assert not_yet.status_code == 302  # no session before the code
    assert after_code["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_dashboard_refuses_a_wrong_code(clinician) -> None:
    device = totp_device_for(clinician)
    client = Client()
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})

    response = client.post(CODE, {"otp": f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"})

    assert response.status_code == 200
    assert b"That code is wrong" in response.content
    assert client.get("/dashboard/").status_code == 302


def test_the_code_step_expires_after_five_minutes(clinician) -> None:
    device = totp_device_for(clinician)
    client = Client()
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(CODE, {"otp": totp_code(device)})

    assert response["Location"] == LOGIN


def test_a_session_without_a_verified_code_is_sent_back_to_sign_in(clinician) -> None:
    client = Client()
    client.force_login(clinician, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_api_ignores_a_clinician_session_without_a_verified_code(clinician) -> None:
    client = Client()
    client.force_login(clinician, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get("/api/v1/care/patients/").status_code in (401, 403)
    assert verified_login(Client(), clinician).get("/api/v1/care/patients/").status_code == 200


def test_a_clinician_without_a_device_enrolls_with_a_qr_code(clinician) -> None:
    client = Client()
    first = client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})
    page = client.get(SETUP)

    assert first["Location"] == CODE
    assert client.get(CODE)["Location"] == SETUP
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    assert device.config_url.split("secret=")[1].split("&")[0].encode() in page.content

    done = client.post(SETUP, {"otp": totp_code(device)})

    assert done.status_code == 200
    assert len(re.findall(rb"<li><code>[a-z0-9]{5}-[a-z0-9]{5}</code></li>", done.content)) == 10
    assert client.get("/dashboard/").status_code == 200


def test_a_password_alone_cannot_replace_an_enrolled_device(clinician) -> None:
    totp_device_for(clinician)
    client = Client()
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})

    response = client.get(SETUP)

    assert response["Location"] == CODE
    assert not TOTPDevice.objects.filter(user=clinician, confirmed=False).exists()


def test_a_recovery_code_signs_in_to_the_dashboard(clinician) -> None:
    totp_device_for(clinician)
    code = recovery_codes_issue(user=clinician)[0]
    client = Client()
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})

    response = client.post(CODE, {"otp": code})

    assert response["Location"] == "/dashboard/"


def test_a_coordinator_resets_a_members_mfa_and_it_is_audited(api, clinician, coordinator):
    totp_device_for(clinician)
    recovery_codes_issue(user=clinician)

    response = api(coordinator).post(f"/api/v1/care/members/{clinician.pk}/mfa-reset/")

    assert response.status_code == 204
    assert _token(api, clinician).json()["code"] == "mfa_required"
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    event = AccessEvent.objects.get(object_type="clinician_mfa_reset")
    assert (event.actor, event.object_id) == (coordinator, str(clinician.pk))


def test_a_mfa_reset_ends_the_members_dashboard_session(api, clinician, coordinator) -> None:
    client = verified_login(Client(), clinician)

    api(coordinator).post(f"/api/v1/care/members/{clinician.pk}/mfa-reset/")

    assert client.get("/dashboard/").status_code == 302


def test_a_nurse_cannot_reset_a_colleagues_mfa(api, clinician, patient) -> None:
    from tests.factories import ClinicianFactory

    colleague = ClinicianFactory(care_teams=[patient.care_team])
    totp_device_for(clinician)

    response = api(colleague).post(f"/api/v1/care/members/{clinician.pk}/mfa-reset/")

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=clinician).exists()


# --- admin and commands ------------------------------------------------------------------------


def test_the_admin_refuses_a_superuser_without_a_verified_code(db) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get("/admin/").status_code == 302
    assert verified_login(Client(), admin).get("/admin/").status_code == 200


def test_create_clinician_enrolls_totp_and_prints_the_secret_last(db) -> None:
    from recovery.services.teams import care_team_create

    care_team_create(name="Spine A")
    out = StringIO()

    call_command(
        "create_clinician", "dr.new", "--team", "Spine A", "--role", "surgeon",
        "--password", "a-long-and-unusual-passphrase", "--totp", stdout=out,
    )  # fmt: skip

    last = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"totp_secret=[A-Z2-7]{32}", last)
    device = TOTPDevice.objects.get(user__username="dr.new", confirmed=True)
    assert device.config_url.split("secret=")[1].split("&")[0] == last.split("=", 1)[1]


def test_the_demo_clinicians_have_the_documented_totp_secrets(db) -> None:
    from recovery.management.commands.seed_demo import DEMO_TOTP_SECRETS
    from recovery.services.mfa import totp_secret

    out = StringIO()
    call_command("seed_demo", stdout=out)

    for username, secret in DEMO_TOTP_SECRETS.items():
        assert totp_secret(TOTPDevice.objects.get(user__username=username)) == secret
        assert secret in out.getvalue()


@pytest.mark.parametrize("action", ["unlock", "mfa-reset"])
def test_member_actions_refuse_anonymous_callers_and_patients(api, clinician, patient, action):
    url = f"/api/v1/care/members/{clinician.pk}/{action}/"

    assert api().post(url).status_code == 401
    assert api(patient.user).post(url).status_code == 403
