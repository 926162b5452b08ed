"""Exactly one Celery beat (issue 23): the advisory lock a beat holds for its whole life."""

from collections.abc import Iterator

import pytest

from backend.beat_lock import _conninfo, beat_lock_acquire


@pytest.fixture
def conninfo() -> str:
    info = _conninfo()
    assert info is not None  # the suite runs on PostgreSQL
    return info


@pytest.fixture
def holder(conninfo: str) -> Iterator[object]:
    connection = beat_lock_acquire(conninfo, wait=False)
    assert connection is not None
    yield connection
    connection.close()


def test_it_refuses_the_lock_to_a_second_beat(conninfo, holder):
    assert beat_lock_acquire(conninfo, wait=False) is None


def test_it_gives_the_lock_to_the_next_beat_when_the_holder_stops(conninfo, holder):
    holder.close()  # the first beat's process exits: its session ends
    successor = beat_lock_acquire(conninfo, wait=False)
    assert successor is not None
    successor.close()
