"""issue 23: core.renderers.ORJSONRenderer writes the same bytes as DRF's JSONRenderer."""

import datetime as dt
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from core.renderers import ORJSONRenderer

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
VALUES = {
    "plain": {"a": 1, "b": [True, False, None], "c": "text", "d": 37.5, "e": -0.0},
    "uuid": {"id": uuid.UUID("6f1c2b4e-8d1a-4f7e-9b0a-1c2d3e4f5a6b")},
    "utc datetime": dt.datetime(2026, 12, 3, 17, 9, 19, 395623, tzinfo=dt.UTC),
    "zoned datetime": dt.datetime(2026, 3, 29, 3, 30, tzinfo=PARIS),
    "naive datetime": dt.datetime(2026, 1, 1, 0, 0),
    "date and time": [dt.date(2026, 2, 28), dt.time(23, 59, 59, 1)],
    "decimal": decimal.Decimal("38.25"),
    "lazy text": {"message": gettext_lazy("This field is required.")},
    "unicode": "Fièvre « 38,5 » — ünïcode ✓",
    "line separators": "one\u2028two\u2029three",
    "integer keys": {1: "one", 2.5: "two and a half"},
    "a big integer": 2**70,
    "return dict": ReturnDict({"x": 1}, serializer=None),
    "empty": {},
    "tuple": (1, 2),
}


@pytest.mark.parametrize("data", VALUES.values(), ids=VALUES.keys())
def test_it_writes_what_drf_writes(data) -> None:
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_it_writes_nothing_for_no_data() -> None:
    assert ORJSONRenderer().render(None) == b""


def test_it_indents_when_asked_like_drf() -> None:
    data = {"a": [1, 2]}
    media_type = "application/json; indent=4"
    assert ORJSONRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
