"""Who reported it, on the dashboard (issue 22): "reported by Maria (daughter)".

Kept apart from the page selectors: they only join these columns into queries they already
run (no extra query per page or per row) and append the label.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery

from recovery.caregiver_selectors import reported_by_label
from recovery.models import Flag

# Columns of the reporting caregiver, for `.select_related("reported_by_caregiver").only(...)`.
CHECKIN_REPORTER_COLUMNS = (
    "reported_by_caregiver",
    "reported_by_caregiver__display_name",
    "reported_by_caregiver__relationship",
)


def with_reporter(text: str, checkin: Any) -> str:
    """The timeline text, plus who reported it when it was a caregiver."""
    label = reported_by_label(checkin.reported_by_caregiver)
    return f"{text} — {label}" if label else text


def flag_reporter_annotations() -> dict[str, Subquery]:
    """Who reported the flag's latest check-in, as two columns of the worklist's query."""
    latest = Flag.checkins.through.objects.filter(flag_id=OuterRef("pk")).order_by(
        "-checkin__recorded_at"
    )
    return {
        "reported_by_name": Subquery(
            latest.values("checkin__reported_by_caregiver__display_name")[:1]
        ),
        "reported_by_relationship": Subquery(
            latest.values("checkin__reported_by_caregiver__relationship")[:1]
        ),
    }
