"""The `clock` marker and `pytest --clock-at` (tests/conftest.py, tests/clock.py)."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.clock import NOON, parse_instant

ROOT = Path(__file__).resolve().parents[1]
MOVED_TO = "2031-01-02T03:04:05Z"


@pytest.fixture
def fixture_time() -> datetime:
    return timezone.now()


@pytest.mark.clock(NOON, tick=False)
def test_it_runs_a_marked_test_and_its_fixtures_at_the_marked_instant(fixture_time) -> None:
    assert fixture_time == timezone.now() == parse_instant(NOON)


@pytest.mark.parametrize("text", ["2026-06-10T16:00:00", "noon"])
def test_it_refuses_an_instant_without_an_offset_or_not_iso(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.skipif(not os.environ.get("CLOCK_EXPECT"), reason="run by the test below")
def test_it_sees_the_clock_given_to_the_session() -> None:
    expected = parse_instant(os.environ["CLOCK_EXPECT"])
    assert expected <= timezone.now() < expected + timedelta(minutes=10)  # moved, and ticking


def test_it_moves_the_clock_of_a_whole_session() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "--clock-at", MOVED_TO,
         f"{__file__}::test_it_sees_the_clock_given_to_the_session"],
        cwd=ROOT, env={**os.environ, "CLOCK_EXPECT": MOVED_TO},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert f"clock moved to {parse_instant(MOVED_TO).isoformat()}" in result.stdout
