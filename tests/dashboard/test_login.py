import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.mfa import totp_code, totp_device_for

pytestmark = pytest.mark.django_db

LOGIN = "/dashboard/login/"


def _login(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def _login_with_code(client: Client, user, **extra: str):
    """Password, then the authenticator code: the clinician's full sign-in."""
    device = totp_device_for(user)
    first = _login(client, user.username, PASSWORD, **extra)
    assert first["Location"] == "/dashboard/login/code/"
    return client.post("/dashboard/login/code/", {"otp": totp_code(device)})


def test_it_redirects_anonymous_visitors_to_the_login_page(web):
    response = web().get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/dashboard/"


def test_it_signs_a_clinician_in_and_lands_on_the_worklist(clinician):
    client = Client()

    response = _login_with_code(client, clinician)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/dashboard/outcomes/", "/dashboard/outcomes/"),
        ("https://evil.example/phish", "/dashboard/"),
        ("//evil.example/", "/dashboard/"),
    ],
)
def test_it_follows_only_local_next_urls(clinician, next_url, expected):
    response = _login_with_code(Client(), clinician, next=next_url)

    assert response["Location"] == expected


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(clinician):
    response = _login(Client(), clinician.username, "wrong-password")

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_it_refuses_a_patient_account(patient):
    response = _login(Client(), patient.user.username, PASSWORD)

    assert response.status_code == 200
    assert b"This sign-in is for care-team members." in response.content


def test_it_locks_out_after_five_failures_even_with_the_right_password(clinician):
    client = Client()
    for _ in range(5):
        _login(client, clinician.username, "wrong-password")

    response = _login(client, clinician.username, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_requires_a_csrf_token_to_sign_in(clinician):
    client = Client(enforce_csrf_checks=True)

    response = _login(client, clinician.username, PASSWORD)

    assert response.status_code == 403


def test_it_signs_out_on_post(web, clinician):
    client = web(clinician)

    response = client.post("/dashboard/logout/")

    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_it_forbids_signed_in_users_who_are_not_on_a_care_team(web, staff):
    assert web(staff).get("/dashboard/").status_code == 403
