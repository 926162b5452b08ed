"""seed_demo gives the dashboard something to show: check-ins and an open emergency flag."""

from io import StringIO

import pytest
from django.core.management import call_command

from recovery.models import CheckIn, Flag

pytestmark = pytest.mark.django_db


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def test_it_seeds_a_patient_with_an_open_emergency_flag_and_check_ins() -> None:
    _seed()
    flag = Flag.objects.get(patient__user__username="ana.demo", status="open")
    assert (flag.category, flag.severity) == ("cauda_equina", "emergency")
    assert CheckIn.objects.filter(patient__user__username="ana.demo").count() == 4


def test_it_adds_no_check_ins_or_flags_when_run_again() -> None:
    _seed()
    counts = (CheckIn.objects.count(), Flag.objects.count())
    _seed()
    assert (CheckIn.objects.count(), Flag.objects.count()) == counts
