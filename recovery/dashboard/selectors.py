"""Reads for the dashboard pages, scoped to the clinician, in a fixed number of queries.

Everything a page needs is fetched with select_related/prefetch_related or aggregated in SQL,
so a page issues the same number of queries whatever the number of patients or rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache

from recovery.dashboard.summary import RiskFactor, age_on, phase_markers, risk_factors
from recovery.models import CareTeam, Patient, Surgery
from recovery.selectors import care_teams_for_clinician, current_surgery, postop_day

# How long a patient listed on the polled worklist is not recorded again for the same
# clinician (the full page always records). Keeps the audit meaningful at one poll per 30 s.
LIST_AUDIT_DEDUPE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Attention:
    patient: Patient
    reasons: list[str]


@dataclass
class Worklist:
    flags: list[Any] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)

    @property
    def patients(self) -> list[Patient]:
        """Every patient the page shows, once each, for the access log."""
        seen: dict[Any, Patient] = {}
        for flag in self.flags:
            seen.setdefault(flag.patient_id, flag.patient)
        for item in self.attention:
            seen.setdefault(item.patient.id, item.patient)
        return list(seen.values())


@dataclass
class PatientPage:
    surgery: Surgery | None
    postop_day: int | None
    age: int
    risk_factors: list[RiskFactor]
    phases: list[tuple[int, str]]


def teams_for(*, clinician: Any) -> list[CareTeam]:
    return list(care_teams_for_clinician(clinician=clinician))


def worklist(
    *,
    clinician: Any,
    team: CareTeam | None,
    severity: str | None,
    category: str | None,
    now: datetime,
) -> Worklist:
    return Worklist()


def patients_not_recently_listed(*, actor: Any, patients: list[Patient]) -> list[Patient]:
    """The patients not yet listed to `actor` within the dedupe window; marks them listed."""
    if not patients:
        return []
    keys = {f"dashboard:listed:{actor.pk}:{p.pk}": p for p in patients}
    already = cache.get_many(list(keys))
    fresh = {key: p for key, p in keys.items() if key not in already}
    if fresh:
        cache.set_many(dict.fromkeys(fresh, 1), timeout=LIST_AUDIT_DEDUPE_SECONDS)
    return list(fresh.values())


def patient_page(*, patient: Patient, now: datetime) -> PatientPage:
    surgery = current_surgery(patient)
    return PatientPage(
        surgery=surgery,
        postop_day=postop_day(patient=patient, surgery=surgery, at=now) if surgery else None,
        age=age_on(patient.date_of_birth, patient.local_date(now)),
        risk_factors=risk_factors(patient),
        phases=phase_markers(surgery.technique) if surgery else [],
    )
