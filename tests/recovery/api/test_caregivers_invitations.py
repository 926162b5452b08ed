"""Issue 22: inviting a caregiver, the invitation code (72 h, single use), activation, accept."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from recovery.models import AccessEvent, CaregiverLink
from recovery.services.tokens import SID_CLAIM
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/caregivers/"
ACTIVATE = "/api/v1/auth/activate/"
ACCEPT = "/api/v1/caregiving/accept/"
NEW_PASSWORD = "a-long-and-fresh-passphrase-42"


def _invite(api, patient, **fields):
    body = {"name": "Maria", "relationship": "daughter", "scopes": ["view_plan"], **fields}
    return api(patient.user).post(ME, body, format="json")


def _activate(api, code, username="maria.r"):
    return api().post(
        ACTIVATE,
        {"activation_code": code, "username": username, "password": NEW_PASSWORD},
        format="json",
    )


def test_it_returns_a_code_valid_for_72_hours(api, patient) -> None:
    response = _invite(api, patient, email="maria@example.org")
    assert response.status_code == 201
    body = response.json()
    assert len(body["invitation_code"].replace("-", "")) == 12
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=71, minutes=59) < expires - timezone.now() <= timedelta(hours=72)
    assert body["caregiver"]["status"] == "pending"
    assert body["caregiver"]["invited_by"] == "patient"


def test_it_stores_only_a_digest_of_the_code(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    link = CaregiverLink.objects.get()
    digests = list(link.invitations.values_list("code_digest", flat=True))
    assert all(code.replace("-", "") not in digest for digest in digests)


@pytest.mark.parametrize("scopes", [["questionnaires"], ["view_plan", "answer_questionnaires"], []])
def test_it_refuses_scopes_outside_the_four(api, patient, scopes) -> None:
    response = _invite(api, patient, scopes=scopes)
    assert response.status_code == 400
    assert "scopes" in response.json()["extra"]["fields"]


def test_it_signs_a_caregiver_up_with_their_own_account(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    response = _activate(api, code)
    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["patient"]) == ("caregiver", str(patient.id))
    link = CaregiverLink.objects.select_related("caregiver").get()
    assert link.caregiver.username == "maria.r" and link.caregiver_id != patient.user_id
    assert link.is_active


def test_it_still_activates_patients_through_the_same_endpoint(api) -> None:
    from recovery.services.activation import activation_code_issue
    from tests.factories import UserFactory

    pending = PatientFactory(user=UserFactory(is_active=False))
    response = _activate(api, activation_code_issue(patient=pending), username="ana.r")
    assert response.status_code == 201
    assert (response.json()["role"], response.json()["patient"]) == ("patient", str(pending.id))


def test_it_refuses_a_code_used_twice(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    assert _activate(api, code).status_code == 201
    again = _activate(api, code, username="someone.else")
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_activation_code"


def test_it_refuses_a_code_after_72_hours(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1)):
        response = _activate(api, code)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_activation_code"


def test_it_accepts_a_code_just_before_72_hours(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert _activate(api, code).status_code == 201


def test_it_refuses_the_code_of_a_revoked_invitation(api, patient) -> None:
    body = _invite(api, patient).json()
    api(patient.user).delete(f"{ME}{body['caregiver']['id']}/")
    assert _activate(api, body["invitation_code"]).status_code == 400


def test_it_lets_a_signed_in_caregiver_accept_a_second_patient(api, caregiver) -> None:
    second = PatientFactory()
    code = _invite(api, second, scopes=["view_advice"]).json()["invitation_code"]
    response = api(caregiver).post(ACCEPT, {"activation_code": code}, format="json")
    assert response.status_code == 201
    listed = api(caregiver).get("/api/v1/caregiving/").json()["results"]
    assert {row["id"] for row in listed} == {
        str(second.id),
        str(caregiver.caregiver_links.first().patient_id),
    }


def test_it_lists_each_patient_with_my_scopes(api, caregiver, caregiver_link) -> None:
    caregiver_link.scopes = ["view_plan"]
    caregiver_link.save()
    [row] = api(caregiver).get("/api/v1/caregiving/").json()["results"]
    assert (row["id"], row["scopes"]) == (str(caregiver_link.patient_id), ["view_plan"])


def test_it_refuses_a_patient_as_their_own_caregiver(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    response = api(patient.user).post(ACCEPT, {"activation_code": code}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "own_caregiver"


def test_it_lets_the_patient_change_scopes(api, patient, caregiver_link) -> None:
    url = f"{ME}{caregiver_link.id}/"
    response = api(patient.user).patch(url, {"scopes": ["view_advice"]}, format="json")
    assert response.status_code == 200
    caregiver_link.refresh_from_db()
    assert caregiver_link.scopes == ["view_advice"]


def test_it_hides_another_patients_caregiver_from_the_patient(api, other_patient, caregiver_link):
    url = f"{ME}{caregiver_link.id}/"
    assert api(other_patient.user).patch(url, {"scopes": []}, format="json").status_code == 404
    assert api(other_patient.user).delete(url).status_code == 404


def test_it_lists_the_patients_caregivers_with_their_status(api, patient, caregiver_link) -> None:
    _invite(api, patient, name="Tom", relationship="son")
    rows = api(patient.user).get(ME).json()["results"]
    assert sorted((r["name"], r["status"]) for r in rows) == [
        ("Maria", "active"),
        ("Tom", "pending"),
    ]


# --------------------------------------------------------------------------- care team


CARE_BODY = {"name": "Joe", "relationship": "husband", "scopes": ["report_check_ins"]}


def test_it_lets_the_care_team_invite_when_the_patient_asked(api, clinician, patient) -> None:
    url = f"/api/v1/care/patients/{patient.id}/caregivers/"
    response = api(clinician).post(url, {**CARE_BODY, "patient_asked": True}, format="json")
    assert response.status_code == 201
    link = CaregiverLink.objects.get()
    assert (link.invited_by, link.patient_asked, link.invited_by_user) == (
        "care_team",
        True,
        clinician,
    )
    assert AccessEvent.objects.filter(
        actor=clinician, patient=patient, action="create", object_type="caregiver_link"
    ).exists()


def test_it_refuses_a_care_team_invitation_the_patient_did_not_ask_for(
    api, clinician, patient
) -> None:
    url = f"/api/v1/care/patients/{patient.id}/caregivers/"
    response = api(clinician).post(url, {**CARE_BODY, "patient_asked": False}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "patient_not_asked"
    assert not CaregiverLink.objects.exists()


def test_it_lets_the_care_team_revoke_and_audits_it(api, clinician, patient, caregiver_link):
    url = f"/api/v1/care/patients/{patient.id}/caregivers/{caregiver_link.id}/"
    assert api(clinician).delete(url).status_code == 204
    caregiver_link.refresh_from_db()
    assert caregiver_link.revoked_by == clinician and caregiver_link.revoked_at is not None
    assert AccessEvent.objects.filter(actor=clinician, object_type="caregiver_revocation").exists()


def test_it_hides_a_patient_of_another_team_from_the_care_team(
    api, outsider_clinician, patient, caregiver_link
) -> None:
    base = f"/api/v1/care/patients/{patient.id}/caregivers/"
    client = api(outsider_clinician)
    assert client.get(base).status_code == 404
    assert client.post(base, {**CARE_BODY, "patient_asked": True}, format="json").status_code == 404
    assert client.delete(f"{base}{caregiver_link.id}/").status_code == 404


def test_it_lets_a_caregiver_sign_in_with_the_chosen_password(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    _activate(api, code)
    response = api().post(
        "/api/v1/auth/token/", {"username": "maria.r", "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_it_refuses_a_second_live_link_to_the_same_patient(api, patient, caregiver) -> None:
    code = _invite(api, patient, scopes=["view_advice"]).json()["invitation_code"]
    response = api(caregiver).post(ACCEPT, {"activation_code": code}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "already_caregiver"


# --- Main's activation rules apply to a caregiver's code too (issue 17's guard) ---------------


def test_it_refuses_a_weak_caregiver_password_with_the_password_policy(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    response = api().post(
        ACTIVATE,
        {"activation_code": code, "username": "maria.r", "password": "1234"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["extra"]["fields"]
    assert not CaregiverLink.objects.get().is_active


def test_it_allows_a_caregiver_code_five_failed_claims(api, patient, settings) -> None:
    settings.ACTIVATION_CODE_MAX_ATTEMPTS = 5
    code = _invite(api, patient).json()["invitation_code"]
    weak = {"activation_code": code, "username": "maria.r", "password": "1234"}
    statuses = [
        api().post(ACTIVATE, weak, format="json", REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(6)
    ]

    response = _activate(api, code)

    assert statuses == [400] * 5 + [429]
    assert (response.status_code, response.json()["code"]) == (429, "too_many_attempts")


def test_it_starts_a_revocable_session_at_caregiver_activation(api, patient) -> None:
    code = _invite(api, patient).json()["invitation_code"]
    body = _activate(api, code).json()
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert client.get("/api/v1/caregiving/").status_code == 200

    logout = client.post("/api/v1/auth/logout/", {"refresh": body["refresh"]}, format="json")

    assert logout.status_code == 205
    assert client.get("/api/v1/caregiving/").status_code == 401
    assert AccessToken(body["access"]).payload.get(SID_CLAIM)
