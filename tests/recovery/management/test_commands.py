import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from recovery.models import CareTeam, CareTeamMembership
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def _call(*args: str, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_a_care_team_once() -> None:
    assert "Created" in _call("create_care_team", "Northside Spine")
    assert "Already exists" in _call("create_care_team", "Northside Spine")
    assert CareTeam.objects.filter(name="Northside Spine").count() == 1


def test_it_refuses_a_blank_team_name() -> None:
    with pytest.raises(CommandError, match="needs a name"):
        _call("create_care_team", "  ")


def test_it_creates_a_clinician_with_a_password_from_stdin(monkeypatch) -> None:
    _call("create_care_team", "Northside Spine")
    _call(
        "create_clinician",
        "nina",
        "--team",
        "Northside Spine",
        "--role",
        "nurse",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    nina = User.objects.get(username="nina")
    assert nina.check_password(PASSWORD)
    assert nina.care_memberships.get().role == CareTeamMembership.Role.NURSE


def test_it_is_idempotent_and_never_resets_a_password() -> None:
    _call("create_care_team", "Northside Spine")
    _call(
        "create_clinician",
        "sam",
        "--team",
        "Northside Spine",
        "--role",
        "surgeon",
        "--password",
        PASSWORD,
    )
    out = _call(
        "create_clinician",
        "sam",
        "--team",
        "Northside Spine",
        "--role",
        "surgeon",
        "--password",
        "another-password-entirely",
    )
    assert "Updated" in out
    assert User.objects.get(username="sam").check_password(PASSWORD)
    assert CareTeamMembership.objects.filter(user__username="sam").count() == 1


def test_it_adds_an_existing_clinician_to_a_second_team() -> None:
    _call("create_care_team", "A team")
    _call("create_care_team", "B team")
    _call(
        "create_clinician", "sam", "--team", "A team", "--role", "surgeon", "--password", PASSWORD
    )
    _call("create_clinician", "sam", "--team", "B team", "--role", "coordinator")
    roles = dict(CareTeamMembership.objects.values_list("team__name", "role"))
    assert roles == {"A team": "surgeon", "B team": "coordinator"}


def test_it_names_an_unknown_team() -> None:
    with pytest.raises(CommandError, match="No care team named 'Nowhere'"):
        _call(
            "create_clinician",
            "sam",
            "--team",
            "Nowhere",
            "--role",
            "nurse",
            "--password",
            PASSWORD,
        )


def test_it_refuses_a_weak_password() -> None:
    _call("create_care_team", "Northside Spine")
    with pytest.raises(CommandError, match="Password refused"):
        _call(
            "create_clinician",
            "sam",
            "--team",
            "Northside Spine",
            "--role",
            "nurse",
            "--password",
            "123",
        )


def test_it_refuses_an_unknown_role() -> None:
    _call("create_care_team", "Northside Spine")
    with pytest.raises(CommandError):
        _call(
            "create_clinician",
            "sam",
            "--team",
            "Northside Spine",
            "--role",
            "janitor",
            "--password",
            PASSWORD,
        )


def test_it_seeds_demo_data_idempotently() -> None:
    _call("seed_demo")
    counts = (User.objects.count(), CareTeam.objects.count())
    _call("seed_demo")
    assert (User.objects.count(), CareTeam.objects.count()) == counts
    assert User.objects.get(username="ana.demo").is_active
