"""Reads, already scoped to the caller: one module per subject, each returning data.

- patients: scoping (care team -> 404 for another team's patient), current surgery, day count
- plans: the recovery plan in force, checklist, milestones, adherence
- flags: flags scoped to the clinician's teams
- checkins: check-in reads
- worklist: the care-team worklist (live flags and the patients who may need a call)
- patient_record: everything one patient's page shows, as data
- cohort: cohort outcome tables (analytics) computed in the database
- outcomes: one patient's change from baseline per measure
- wound_photos: a patient's wound photos, the gallery by day, photos awaiting review (issue 21)
- caregivers: a caregiver's live link and scopes (404 / 403), who reported what (issue 22)

Views never filter authorisation-relevant data themselves; presenters (recovery/dashboard/)
turn these results into charts and display text. The patient scoping reads are re-exported
here, so `from recovery.selectors import patient_get_for_clinician` keeps working.
"""

from recovery.selectors.patients import (
    AnyUser,
    care_teams_for_clinician,
    current_surgery,
    current_surgery_subquery,
    is_clinician,
    patient_for_user,
    patient_get_for_clinician,
    patient_list_for_clinician,
    postop_day,
    with_surgeries,
)

__all__ = [
    "AnyUser",
    "care_teams_for_clinician",
    "current_surgery",
    "current_surgery_subquery",
    "is_clinician",
    "patient_for_user",
    "patient_get_for_clinician",
    "patient_list_for_clinician",
    "postop_day",
    "with_surgeries",
]
