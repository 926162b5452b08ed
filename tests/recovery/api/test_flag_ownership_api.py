"""Flag ownership (issue 16): "Assign to me", giving a flag back, the owner on every flag list
and the `mine` filter, scope, audit and constant query counts."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from recovery.models import AccessEvent, Flag
from recovery.services.flag_assignment import flag_assign
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory, FlagFindingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/care/flags/"
WORKLIST = "/api/v1/care/worklist/"
MOMENT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def _action(flag: Flag, verb: str) -> str:
    return f"{LIST}{flag.id}/{verb}/"


def _owned_by(user, patient, **kwargs) -> Flag:
    return FlagFactory(patient=patient, owner=user, assigned_at=timezone.now(), **kwargs)


def _colleague(patient):
    return ClinicianFactory(care_teams=[patient.care_team], first_name="Rosa", last_name="Marquez")


# ------------------------------------------------------------------------------ assign


def test_it_assigns_the_flag_to_the_caller(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)

    with time_machine.travel(MOMENT, tick=False):
        response = api(clinician).post(_action(flag, "assign"))

    assert response.status_code == 200
    flag.refresh_from_db()
    assert (flag.owner_id, flag.assigned_at) == (clinician.id, MOMENT)


def test_it_returns_the_owner_with_id_username_and_display_name(api, patient) -> None:
    rosa = _colleague(patient)
    flag = FlagFactory(patient=patient)

    body = api(rosa).post(_action(flag, "assign")).json()

    assert body["owner"] == {
        "id": rosa.id,
        "username": rosa.username,
        "display_name": "Rosa Marquez",
    }
    assert body["assigned_at"] is not None


def test_it_names_an_owner_without_a_full_name_by_username(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    body = api(clinician).post(_action(flag, "assign")).json()
    assert body["owner"]["display_name"] == clinician.username


def test_it_assigns_an_acknowledged_flag(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient, status="acknowledged")
    assert api(clinician).post(_action(flag, "assign")).status_code == 200


@pytest.mark.parametrize("status", ["resolved", "dismissed"])
def test_it_refuses_to_assign_a_closed_flag(api, patient, clinician, status) -> None:
    stamp = {"resolved": "resolved_at", "dismissed": "dismissed_at"}[status]
    flag = FlagFactory(patient=patient, status=status, **{stamp: timezone.now()})

    response = api(clinician).post(_action(flag, "assign"))

    assert (response.status_code, response.json()["code"]) == (400, "invalid_transition")
    flag.refresh_from_db()
    assert flag.owner_id is None


def test_it_moves_a_flag_another_member_holds_to_the_caller(api, patient, clinician) -> None:
    flag = _owned_by(_colleague(patient), patient)
    api(clinician).post(_action(flag, "assign"))
    flag.refresh_from_db()
    assert flag.owner_id == clinician.id


def test_it_audits_an_assignment(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    api(clinician).post(_action(flag, "assign"))
    event = AccessEvent.objects.get(action="flag_assign")
    assert (event.actor, event.patient_id, event.object_type, event.object_id) == (
        clinician,
        patient.id,
        "flag",
        str(flag.id),
    )


def test_it_changes_nothing_when_the_caller_already_owns_the_flag(api, patient, clinician) -> None:
    flag = _owned_by(clinician, patient)
    taken_at = flag.assigned_at

    response = api(clinician).post(_action(flag, "assign"))

    assert response.status_code == 200
    flag.refresh_from_db()
    assert flag.assigned_at == taken_at
    assert not AccessEvent.objects.filter(action="flag_assign").exists()


def test_it_lets_only_a_member_of_the_patients_team_take_a_flag(patient, outsider_clinician):
    flag = FlagFactory(patient=patient)
    with pytest.raises(ApplicationError) as refused:
        flag_assign(flag=flag, actor=outsider_clinician, now=timezone.now())
    assert (refused.value.code, refused.value.status_code) == ("not_on_team", 403)


@pytest.mark.parametrize("stamp", ["owner", "assigned_at"])
def test_it_never_stores_an_owner_without_the_time_or_a_time_without_an_owner(
    patient, clinician, stamp
) -> None:
    flag = FlagFactory(patient=patient)
    values = {"owner": clinician, "assigned_at": timezone.now()}
    setattr(flag, stamp, values[stamp])
    with pytest.raises(IntegrityError), transaction.atomic():
        flag.save(update_fields=[stamp])


# ---------------------------------------------------------------------------- unassign


def test_it_lets_the_owner_give_the_flag_back(api, patient, clinician) -> None:
    flag = _owned_by(clinician, patient)

    body = api(clinician).post(_action(flag, "unassign")).json()

    assert (body["owner"], body["assigned_at"]) == (None, None)
    flag.refresh_from_db()
    assert (flag.owner_id, flag.assigned_at) == (None, None)
    assert AccessEvent.objects.filter(action="flag_unassign", actor=clinician).count() == 1


def test_it_refuses_to_give_back_someone_elses_flag(api, patient, clinician) -> None:
    rosa = _colleague(patient)
    flag = _owned_by(rosa, patient)

    response = api(clinician).post(_action(flag, "unassign"))

    assert (response.status_code, response.json()["code"]) == (400, "not_owner")
    assert "Rosa Marquez" in response.json()["message"]
    flag.refresh_from_db()
    assert flag.owner_id == rosa.id


def test_it_changes_nothing_when_giving_back_an_unowned_flag(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    assert api(clinician).post(_action(flag, "unassign")).status_code == 200
    assert not AccessEvent.objects.filter(action="flag_unassign").exists()


# ------------------------------------------------------------------------------- scope


@pytest.mark.parametrize("verb", ["assign", "unassign"])
def test_it_hides_another_teams_flag(api, patient, outsider_clinician, verb) -> None:
    flag = FlagFactory(patient=patient)
    assert api(outsider_clinician).post(_action(flag, verb)).status_code == 404
    flag.refresh_from_db()
    assert flag.owner_id is None


@pytest.mark.parametrize("verb", ["assign", "unassign"])
def test_it_forbids_patients(api, patient, verb) -> None:
    flag = FlagFactory(patient=patient)
    assert api(patient.user).post(_action(flag, verb)).status_code == 403


@pytest.mark.parametrize("verb", ["assign", "unassign"])
def test_it_refuses_anonymous_callers(api, patient, verb) -> None:
    flag = FlagFactory(patient=patient)
    assert api().post(_action(flag, verb)).status_code == 401


# ------------------------------------------------------------------- owner on the lists


def test_it_shows_the_owner_on_the_flag_list(api, patient, clinician) -> None:
    owned = _owned_by(clinician, patient)
    FlagFactory(patient=patient, category="ileus")

    rows = {r["id"]: r["owner"] for r in api(clinician).get(LIST).json()["results"]}

    assert rows[str(owned.id)]["id"] == clinician.id
    assert list(rows.values()).count(None) == 1


def test_it_shows_the_owner_on_the_flag_detail(api, patient, clinician) -> None:
    flag = _owned_by(clinician, patient)
    body = api(clinician).get(f"{LIST}{flag.id}/").json()
    assert body["owner"]["username"] == clinician.username


def test_it_shows_the_owner_on_the_grouped_worklist(api, patient, clinician) -> None:
    owned = _owned_by(clinician, patient, category="infection")
    FlagFactory(patient=patient, category="ileus", severity="routine")

    [entry] = api(clinician).get(WORKLIST).json()["results"]

    owners = {f["id"]: f["owner"] for f in entry["flags"]}
    assert owners[str(owned.id)]["display_name"] == clinician.username
    assert [o for o in owners.values() if o is None] == [None]


# -------------------------------------------------------------------------------- mine


def test_it_lists_only_my_flags_with_mine(api, patient, clinician) -> None:
    mine = _owned_by(clinician, patient, category="infection")
    _owned_by(_colleague(patient), patient, category="ileus")
    FlagFactory(patient=patient, category="dvt_pe")

    rows = api(clinician).get(LIST, {"mine": "true"}).json()["results"]

    assert [r["id"] for r in rows] == [str(mine.id)]


def test_it_lists_every_flag_with_mine_false(api, patient, clinician) -> None:
    _owned_by(clinician, patient, category="infection")
    FlagFactory(patient=patient, category="dvt_pe")
    assert len(api(clinician).get(LIST, {"mine": "false"}).json()["results"]) == 2


def test_it_lists_only_patients_with_a_flag_of_mine_on_the_grouped_worklist(
    api, patient, clinician
) -> None:
    _owned_by(clinician, patient, category="infection")
    FlagFactory(patient=patient, category="ileus", severity="routine")
    _owned_by(_colleague(patient), PatientFactory(care_team=patient.care_team))
    FlagFactory(patient=PatientFactory(care_team=patient.care_team))

    [entry] = api(clinician).get(WORKLIST, {"mine": "true"}).json()["results"]

    # The row is the patient: every live flag of theirs, not only the one I own.
    assert (entry["patient"], len(entry["flags"])) == (str(patient.id), 2)


def test_it_leaves_a_closed_flag_of_mine_off_the_grouped_worklist(api, patient, clinician) -> None:
    _owned_by(clinician, patient, status="resolved", resolved_at=timezone.now())
    FlagFactory(patient=patient, category="ileus")
    assert api(clinician).get(WORKLIST, {"mine": "true"}).json()["results"] == []


@pytest.mark.parametrize("url", [LIST, WORKLIST])
def test_it_refuses_a_mine_value_that_is_not_a_boolean(api, clinician, url) -> None:
    response = api(clinician).get(url, {"mine": "maybe"})
    assert response.status_code == 400
    assert "mine" in response.json()["extra"]["fields"]


# ------------------------------------------------------------------------- query counts


@pytest.mark.parametrize("size", [1, 10, 40])
def test_it_lists_owned_flags_in_constant_queries(
    api, patient, clinician, size, django_assert_max_num_queries
) -> None:
    team = patient.care_team
    for n in range(size):
        owner = ClinicianFactory(care_teams=[team]) if n % 3 else clinician
        flag = _owned_by(owner, PatientFactory(care_team=team))
        flag.checkins.add(CheckInFactory(patient=flag.patient))
    client = api(clinician)
    # membership check, flags page (owners joined), check-in prefetch, access-log insert
    with django_assert_max_num_queries(5):
        response = client.get(LIST)
    assert sum(r["owner"] is not None for r in response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 5, 20])
def test_it_groups_owned_flags_in_constant_queries(
    api, patient, clinician, size, django_assert_num_queries
) -> None:
    team = patient.care_team
    for _ in range(size):
        flag = _owned_by(clinician, PatientFactory(care_team=team))
        FlagFindingFactory(flag=flag)
        _owned_by(ClinicianFactory(care_teams=[team]), flag.patient, category="ileus")
    client = api(clinician)
    # membership (permission), the page of patients, their flags (owners joined), the
    # findings, access log
    with django_assert_num_queries(5):
        response = client.get(WORKLIST, {"mine": "true"})
    assert len(response.json()["results"]) == size
