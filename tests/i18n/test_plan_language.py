"""issue 19: a Spanish patient's plan, checklist and milestones in Spanish (rows carry both)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from recovery.models import Milestone, PlanItem
from recovery.pathways import clear_cache
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

SURGERY = date(2026, 1, 1)
NOON = datetime(2026, 1, 11, 12, tzinfo=UTC)  # day 10 in London
PATHWAYS = Path(__file__).resolve().parents[2] / "recovery" / "pathways"


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _patient(language: str):
    return planned_patient(surgery_date=SURGERY, timezone="Europe/London", language=language)


def test_it_lists_a_spanish_patients_checklist_in_spanish(api, at_noon) -> None:
    patient = _patient("es")
    body = api(patient.user).get("/api/v1/me/checklist/").json()
    titles = {item["code"]: item["title"] for item in body["items"]}
    assert titles["no_blt"] == "No se agache, no levante peso ni gire la cintura"
    assert titles["lifting_limit"] == "No levante más de 10 lb (4.5 kg)"  # values filled in
    assert body["phase"]["title"] == "Primeras 2 semanas"


def test_it_keeps_an_english_patients_checklist_in_english(api, at_noon) -> None:
    patient = _patient("en")
    body = api(patient.user).get("/api/v1/me/checklist/").json()
    titles = {item["code"]: item["title"] for item in body["items"]}
    assert titles["no_blt"] == "No bending, lifting or twisting at the waist"


def test_it_names_a_spanish_patients_milestones_in_spanish(api, at_noon) -> None:
    patient = _patient("es")
    body = api(patient.user).get("/api/v1/me/milestones/").json()
    rows = body["results"] if isinstance(body, dict) else body
    names = {row["code"]: row["title"] for row in rows}
    assert names["discharge"] == "Alta del hospital"


def test_it_copies_every_translation_into_the_patients_rows(at_noon) -> None:
    patient = _patient("en")
    assert all(item.translations["es"]["title"] for item in PlanItem.objects.all())
    assert all(item.translations["es"]["phase_title"] for item in PlanItem.objects.all())
    assert all(m.translations["es"]["title"] for m in Milestone.objects.all())
    assert PlanItem.objects.filter(plan__patient=patient).exists()


def test_it_shows_a_row_made_before_translations_in_english(api, at_noon) -> None:
    patient = _patient("es")
    PlanItem.objects.update(translations={})
    body = api(patient.user).get("/api/v1/me/checklist/").json()
    titles = {item["code"]: item["title"] for item in body["items"]}
    assert titles["no_blt"] == "No bending, lifting or twisting at the waist"


@pytest.fixture
def pathway_copy(settings, tmp_path: Path):
    for path in PATHWAYS.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    settings.PATHWAY_TEMPLATES_DIR = str(tmp_path)
    clear_cache()
    yield tmp_path
    clear_cache()


def test_it_fails_the_system_check_when_a_milestone_lacks_spanish(pathway_copy: Path) -> None:
    path = pathway_copy / "open_posterior.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["milestones"][0]["translations"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SystemCheckError, match=r"recovery\.E005.*open_posterior.*first_walk"):
        call_command("check")


def test_it_refuses_a_translation_that_drops_a_number(pathway_copy: Path) -> None:
    path = pathway_copy / "open_posterior.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    item = data["phases"][0]["items"][1]
    assert item["code"] == "lifting_limit"
    item["translations"]["title"]["es"]["text"] = "No levante mucho peso"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SystemCheckError, match=r"recovery\.E002.*placeholders"):
        call_command("check")
