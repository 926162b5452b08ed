"""A surgery's check-ins one day at a time: the worst of each post-operative day, in SQL.

The patient page's pain and temperature charts and its wound and nerve answers strip show a
day, not a check-in (issue 16, item 8): a patient who checks in five times a day would
otherwise load, word and draw every one of them. One aggregate query, grouped by
post-operative day, whatever the number of check-ins. Each day keeps the conservative value:
the highest pain and temperature (a fever is never hidden by a later normal reading), a "yes"
at any time of the day, the most worrying drainage; `leg_symptom_side` is the latest given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field

from recovery.models import CheckIn, Patient, Surgery
from recovery.models.checkins import BOOLEAN_FIELDS
from recovery.selectors.answer_strip import DRAINAGE_ORDER, STRIP_FIELDS

# The charts reach back this many days with a check-in (a day is one point).
CHART_DAY_LIMIT = 400


@dataclass(frozen=True)
class CheckInDay:
    day: int  # days after surgery
    checkins: int
    back_pain: int | None  # the highest of the day
    leg_pain: int | None
    temperature_c: float | None
    # How many of the day's check-ins gave each of the three values above.
    back_pain_count: int = 0
    leg_pain_count: int = 0
    temperature_count: int = 0
    # The answers strip's questions (answer_strip.STRIP_FIELDS): the day's answer to each.
    answers: dict[str, Any] = field(default_factory=dict)


def _column(name: str) -> str:
    field = CheckIn._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # a concrete column of the table
    return connection.ops.quote_name(field.column)


def _answer(name: str) -> str:
    """The day's answer to a strip question, as the strip's caption describes it."""
    column = _column(name)
    if name == "temperature_c":
        return f"max({column})"
    if name == "wound_drainage":  # its rank in DRAINAGE_ORDER: the worst is the highest
        ranks = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(DRAINAGE_ORDER))
        return f"max(CASE {column} {ranks} END)"
    if name in BOOLEAN_FIELDS:
        return f"bool_or({column})"  # NULL when nobody answered: "not answered"
    # leg_symptom_side: the latest answer of the day.
    # recorded_at, then id: the same check-in as the Python merge when two share a time.
    latest = f"{_column('recorded_at')} DESC, {_column('id')} DESC"
    return f"(array_agg({column} ORDER BY {latest}) FILTER (WHERE {column} IS NOT NULL))[1]"


@cache
def _sql() -> str:
    # Written out rather than built with the ORM: compiling some thirty aggregate expressions
    # cost more CPU (~7 ms a page) than running the query. The statement is fixed: the
    # columns come from the model, the values are parameters.
    values = ", ".join(
        [
            "count(*)",
            *(f"max({_column(n)}), count({_column(n)})" for n in ("back_pain", "leg_pain")),
            f"max({_column('temperature_c')}), count({_column('temperature_c')})",
            *(_answer(name) for name in STRIP_FIELDS),
        ]
    )
    day = _column("postop_day")
    return (
        f"SELECT {day}, {values} FROM {connection.ops.quote_name(CheckIn._meta.db_table)} "  # noqa: S608
        f"WHERE {_column('patient')} = %s AND {_column('surgery')} = %s "
        f"GROUP BY {day} ORDER BY {day} DESC LIMIT %s"
    )


def checkin_days(
    *, patient: Patient, surgery: Surgery | None, limit: int = CHART_DAY_LIMIT
) -> list[CheckInDay]:
    """The latest `limit` days with a check-in after `surgery`, oldest first (one query)."""
    if surgery is None:
        return []
    if connection.vendor != "postgresql":
        return _checkin_days_in_python(patient=patient, surgery=surgery, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [patient.pk, surgery.pk, limit])
        rows = cursor.fetchall()
    days = []
    for day, n, back, n_back, leg, n_leg, temperature, n_temperature, *answers in reversed(rows):
        days.append(
            CheckInDay(
                day=day,
                checkins=n,
                back_pain=back,
                leg_pain=leg,
                temperature_c=temperature,
                back_pain_count=n_back,
                leg_pain_count=n_leg,
                temperature_count=n_temperature,
                answers={
                    name: DRAINAGE_ORDER[raw]
                    if name == "wound_drainage" and raw is not None
                    else raw
                    for name, raw in zip(STRIP_FIELDS, answers, strict=True)
                },
            )
        )
    return days


def _merge(name: str, values: list[Any]) -> Any:
    """One strip answer for the day from its check-ins' answers, oldest first (as _answer)."""
    given = [v for v in values if v is not None]
    if not given:
        return None
    if name == "temperature_c":
        return max(given)
    if name == "wound_drainage":
        return max(given, key=lambda value: DRAINAGE_ORDER.index(value))
    if name in BOOLEAN_FIELDS:
        return any(given)
    return given[-1]  # leg_symptom_side: the latest answer


def _checkin_days_in_python(*, patient: Patient, surgery: Surgery, limit: int) -> list[CheckInDay]:
    """The same days without PostgreSQL's bool_or and array_agg (SQLite: `make run`): the
    surgery's check-ins read once and merged here, by the rules of the SQL above."""
    fields = ("postop_day", "back_pain", "leg_pain", "temperature_c", *STRIP_FIELDS)
    by_day: dict[int, list[dict[str, Any]]] = {}
    for row in (
        CheckIn.objects.filter(patient=patient, surgery=surgery)
        .order_by("recorded_at", "id")
        .values(*dict.fromkeys(fields))
    ):
        by_day.setdefault(row["postop_day"], []).append(row)
    days = []
    for day in sorted(by_day)[-limit:] if limit > 0 else []:
        rows = by_day[day]

        def given(name: str, rows: list[dict[str, Any]] = rows) -> list[Any]:
            return [r[name] for r in rows if r[name] is not None]

        days.append(
            CheckInDay(
                day=day,
                checkins=len(rows),
                back_pain=max(given("back_pain"), default=None),
                leg_pain=max(given("leg_pain"), default=None),
                temperature_c=max(given("temperature_c"), default=None),
                back_pain_count=len(given("back_pain")),
                leg_pain_count=len(given("leg_pain")),
                temperature_count=len(given("temperature_c")),
                answers={name: _merge(name, [r[name] for r in rows]) for name in STRIP_FIELDS},
            )
        )
    return days
