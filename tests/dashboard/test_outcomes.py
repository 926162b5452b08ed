import csv
import io
from datetime import date

import pytest

from recovery.models import AccessEvent
from tests.factories.checkins import FlagFactory
from tests.factories.questionnaires import enrolled_patient, record_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(patient, settings):
    """Three open and two MIS patients of the clinician's team with baseline and 3-month scores."""
    settings.OUTCOMES_MIN_CELL = 1
    team = patient.care_team
    people = []
    for approach, technique, scores in [
        ("open", "tlif", [(40, 20), (50, 36), (60, 30)]),
        ("mis", "mis_tlif", [(44, 20), (52, 22)]),
    ]:
        for base, follow in scores:
            person = enrolled_patient(
                surgery_date=date(2026, 1, 10),
                enrolled_on=date(2026, 1, 2),
                care_team=team,
                surgery={"approach": approach, "technique": technique},
            )
            record_scores(
                person,
                {
                    "baseline": {"odi": base, "back": 7, "leg": 6},
                    "3m": {"odi": follow, "back": 3, "leg": 2},
                },
            )
            people.append(person)
    return people


def test_it_compares_open_and_mis_with_trajectories(web, clinician, cohort):
    response = web(clinician).get("/dashboard/outcomes/")

    page = response.context["page"]
    assert [g.label for g in page.groups] == ["Open", "Minimally invasive"]
    html = response.content.decode()
    odi = html[html.index('id="chart-odi-trajectory"') :]
    odi = odi[: odi.index("</svg>")]
    assert odi.count('class="point"') == 4  # two timepoints x two groups
    assert odi.count('class="iqr-band"') == 2


def test_it_hides_cells_under_the_minimum_cell_size(web, clinician, cohort, settings):
    settings.OUTCOMES_MIN_CELL = 5

    html = web(clinician).get("/dashboard/outcomes/").content.decode()

    assert "hidden" in html
    assert 'class="point"' not in html[html.index('id="chart-odi-trajectory"') :][:5000]


def test_it_downloads_every_groups_table_as_csv_and_records_the_export(web, clinician, cohort):
    response = web(clinician).get("/dashboard/outcomes/export.csv?compare=approach")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(r["approach"], r["timepoint"]) for r in rows} >= {
        ("open", "cohort"),
        ("open", "3m"),
        ("mis", "3m"),
    }
    open_3m = next(r for r in rows if (r["approach"], r["timepoint"]) == ("open", "3m"))
    assert float(open_3m["odi_score_median"]) == 30
    assert AccessEvent.objects.filter(actor=clinician, action="export").count() == 1


def test_it_groups_by_technique_on_request(web, clinician, cohort):
    response = web(clinician).get("/dashboard/outcomes/?compare=technique")

    labels = [g.label for g in response.context["page"].groups]
    assert "MIS-TLIF" in labels and "TLIF (open)" in labels


def test_it_counts_resolved_complications_by_category(web, clinician, cohort):
    FlagFactory(patient=cohort[0], category="infection", status="resolved")
    FlagFactory(patient=cohort[3], category="silence", status="resolved")

    page = web(clinician).get("/dashboard/outcomes/").context["page"]

    # The open group also holds the `patient` persona: 1 of 4 patients.
    infection = dict(page.complications)["Infection"]
    assert infection == ["1 (25%)", "fewer than 1"]
    assert "No check-ins" not in dict(page.complications)


def test_it_leaves_out_other_teams_patients(web, outsider_clinician, cohort):
    page = web(outsider_clinician).get("/dashboard/outcomes/").context["page"]

    assert all(g.table["timepoints"][0]["responded"]["n"] in (0, None) for g in page.groups)
