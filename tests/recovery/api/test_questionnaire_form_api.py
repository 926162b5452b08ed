"""GET /api/v1/me/questionnaires/{instrument}/: the form an app renders (issue 18)."""

import pytest
import yaml

from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/questionnaires/{}/"


def test_it_says_the_odi_wording_is_not_licensed_and_gives_placeholders(api, patient) -> None:
    form = api(patient.user).get(URL.format("odi")).json()
    assert (form["wording"], form["answer_format"], len(form["items"])) == (
        "not_licensed",
        "ordered_list",
        10,
    )
    first = form["items"][0]
    assert (first["key"], first["prompt"], first["prompt_placeholder"]) == (
        "pain_intensity",
        None,
        "Pain intensity",
    )
    assert first["options"] == [
        {"value": value, "label": None, "placeholder": str(value)} for value in range(6)
    ]


def test_it_serves_installed_wording(api, patient, settings, tmp_path) -> None:
    wording = {
        "instrument": "nrs_pain",
        "version": "1.0",
        "items": {
            "back": {"prompt": "Back pain now?", "options": {0: "None", 10: "Worst"}},
            "leg": {"prompt": "Leg pain now?", "options": {0: "None", 10: "Worst"}},
        },
    }
    (tmp_path / "nrs_pain.yaml").write_text(yaml.safe_dump(wording))
    settings.INSTRUMENT_WORDING_DIR = str(tmp_path)
    form = api(patient.user).get(URL.format("nrs_pain")).json()
    back = form["items"][0]
    assert (form["wording"], back["prompt"]) == ("installed", "Back pain now?")
    assert [o["label"] for o in back["options"]] == ["None", *[None] * 9, "Worst"]


@pytest.mark.parametrize("code", ["no_such_thing", "promis_pf"])  # promis_pf is not enabled
def test_it_is_404_for_an_instrument_a_patient_cannot_answer(api, patient, code) -> None:
    response = api(patient.user).get(URL.format(code))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_it_is_for_patients_only(api, patient) -> None:
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    assert api(clinician).get(URL.format("odi")).status_code == 403
    assert api().get(URL.format("odi")).status_code == 401
