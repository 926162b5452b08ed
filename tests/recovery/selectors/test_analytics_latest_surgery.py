"""The cohort is each patient's most recent surgery (issue 23 rewrote that filter in SQL).

`cohort_surgeries` picks "no newer surgery of the same patient" (an anti join) where it used a
correlated `id = (SELECT ... LIMIT 1)`; it must choose exactly what `current_surgery` chooses,
and the table must keep its fixed number of queries.
"""

from datetime import timedelta

import pytest
from django.db.models import F

from recovery.models import Patient, Surgery
from recovery.selectors import cohort, current_surgery
from tests.clock import ANALYTICS_NOW, ANALYTICS_TODAY
from tests.factories import PatientFactory, SurgeryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock(ANALYTICS_NOW, tick=False)]


@pytest.fixture
def revised(team):
    """Patients with one surgery, a later revision, and two surgeries on the same day."""
    one = PatientFactory(care_team=team, surgery__date=ANALYTICS_TODAY - timedelta(days=200))
    revision = PatientFactory(care_team=team, surgery__date=ANALYTICS_TODAY - timedelta(days=400))
    SurgeryFactory(patient=revision, date=ANALYTICS_TODAY - timedelta(days=100))
    same_day = PatientFactory(care_team=team, surgery__date=ANALYTICS_TODAY - timedelta(days=50))
    later = SurgeryFactory(patient=same_day, date=ANALYTICS_TODAY - timedelta(days=50))
    # The clock is frozen: record the second one as created a second later (creation decides).
    Surgery.objects.filter(id=later.id).update(created_at=F("created_at") + timedelta(seconds=1))
    return [one, revision, same_day]


def test_it_takes_each_patients_current_surgery(lead, revised):
    chosen = cohort.cohort_surgeries(clinician=lead, filters=cohort.CohortFilters())
    expected = {current_surgery(Patient.objects.get(id=p.id)).id for p in revised}
    assert set(chosen.values_list("id", flat=True)) == expected


def test_it_builds_the_table_in_six_queries(lead, revised, django_assert_num_queries):
    # eligibility and fusion, responses, odi, nrs_pain, complications, revisions
    with django_assert_num_queries(6):
        cohort.cohort_outcome_table(
            clinician=lead, filters=cohort.CohortFilters(), today=ANALYTICS_TODAY
        )
