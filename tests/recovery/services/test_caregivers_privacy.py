"""Issue 22: erasure removes the caregiver links; the export lists caregivers and reports."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from recovery.models import CaregiverInvitation, CaregiverLink
from recovery.services.caregivers import caregiver_invite
from tests.factories.checkins import CheckInFactory

pytestmark = pytest.mark.django_db


def _erase(patient, staff) -> None:
    call_command(
        "erase_patient", str(patient.id), "--actor", staff.username, "--yes", stdout=io.StringIO()
    )


def _export(patient, staff) -> dict:
    out = io.StringIO()
    call_command("export_patient", str(patient.id), "--actor", staff.username, stdout=out)
    return json.loads(out.getvalue())


def test_it_ends_every_caregivers_access_on_erasure(api, patient, caregiver_link, staff) -> None:
    _erase(patient, staff)
    link = CaregiverLink.objects.get(id=caregiver_link.id)
    assert (link.caregiver_id, link.display_name, link.email) == (None, "erased", "")
    assert link.revoked_at is not None
    url = f"/api/v1/caregiving/{patient.id}/advice/"
    assert api(caregiver_link.caregiver).get(url).status_code == 404


def test_it_drops_pending_invitations_on_erasure(patient, staff) -> None:
    caregiver_invite(
        patient=patient,
        display_name="Tom",
        relationship="son",
        scopes=["view_plan"],
        invited_by_user=patient.user,
        now=timezone.now(),
    )
    _erase(patient, staff)
    assert not CaregiverInvitation.objects.exists()


def test_it_keeps_what_a_caregiver_reported_attributed_to_a_caregiver(
    patient, caregiver_link, staff
) -> None:
    checkin = CheckInFactory(
        patient=patient,
        recorded_at=timezone.now() - timedelta(hours=1),
        reported_by_caregiver=caregiver_link,
    )
    _erase(patient, staff)
    checkin.refresh_from_db()
    assert checkin.reported_by_caregiver_id == caregiver_link.id


def test_it_exports_the_caregivers_and_what_they_reported(patient, caregiver_link, staff) -> None:
    checkin = CheckInFactory(
        patient=patient,
        recorded_at=timezone.now() - timedelta(hours=1),
        reported_by_caregiver=caregiver_link,
    )
    CheckInFactory(patient=patient, recorded_at=timezone.now() - timedelta(hours=2))
    [row] = _export(patient, staff)["caregivers"]
    assert (row["name"], row["relationship"], row["scopes"]) == (
        "Maria",
        "daughter",
        caregiver_link.scopes,
    )
    assert row["reported"]["check_ins"] == [str(checkin.id)]


def test_the_demo_seeds_a_caregiver_who_reported_for_ana(api) -> None:
    from django.core.management import call_command as run

    run("seed_demo", stdout=io.StringIO())
    run("seed_demo", stdout=io.StringIO())  # idempotent
    link = CaregiverLink.objects.select_related("caregiver", "patient__user").get()
    assert (link.caregiver.username, link.patient.user.username) == ("maria.demo", "ana.demo")
    assert link.checkins.count() == 1
