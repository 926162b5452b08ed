"""Every free-text field has a length limit, in the serializer and in the model/database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction

from recovery.models import Surgery
from recovery.models.fields import FREE_TEXT_MAX
from tests.factories.checkins import CheckInFactory

pytestmark = pytest.mark.django_db

# Written only from reviewed triage-rule data (no request reaches them).
NOT_INPUT = {("recovery", "flag", "advice"), ("recovery", "flag", "rationale")}


def _text_fields():
    for app in ("recovery", "notifications"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField | models.CharField):
                    yield app, model._meta.model_name, field


@pytest.mark.parametrize(
    "field",
    [f for app, model, f in _text_fields() if (app, model, f.name) not in NOT_INPUT],
    ids=lambda f: f"{f.model._meta.model_name}.{f.name}",
)
def test_it_limits_every_text_field_in_the_model(field) -> None:
    assert field.max_length
    assert any(isinstance(v, MaxLengthValidator) for v in field.validators)


def _enrol_body(**surgery: str) -> dict:
    day = date.today() - timedelta(days=5)
    return {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "date_of_birth": "1961-04-02",
        "timezone": "America/New_York",
        "surgery": {
            "date": day.isoformat(),
            "indication": "spondylolisthesis",
            "approach": "open",
            "technique": "tlif",
            **surgery,
        },
    }


@pytest.mark.parametrize("name", ["instrumentation", "graft"])
def test_it_refuses_over_long_surgery_text_on_enrolment(api, clinician, name) -> None:
    body = _enrol_body(**{name: "x" * (FREE_TEXT_MAX + 1)})

    response = api(clinician).post("/api/v1/care/patients/", body, format="json")

    assert response.status_code == 400
    assert name in response.json()["extra"]["fields"]["surgery"]


@pytest.mark.parametrize("name", ["instrumentation", "graft"])
def test_it_accepts_surgery_text_up_to_the_limit(api, clinician, name) -> None:
    body = _enrol_body(**{name: "x" * FREE_TEXT_MAX})

    response = api(clinician).post("/api/v1/care/patients/", body, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("name", ["instrumentation", "graft"])
def test_it_refuses_over_long_surgery_text_on_update(api, clinician, patient, name) -> None:
    response = api(clinician).patch(
        f"/api/v1/care/patients/{patient.id}/surgery/",
        {name: "x" * (FREE_TEXT_MAX + 1)},
        format="json",
    )

    assert response.status_code == 400
    assert name in response.json()["extra"]["fields"]


def test_it_refuses_an_over_long_note_in_the_database(patient) -> None:
    surgery = Surgery.objects.get(patient=patient)
    surgery.instrumentation = "x" * (FREE_TEXT_MAX + 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        surgery.save()


def test_it_refuses_an_over_long_note_in_model_validation(patient) -> None:
    checkin = CheckInFactory.build(patient=patient, notes="x" * 2001)

    with pytest.raises(ValidationError) as failure:
        checkin.full_clean(exclude=["patient", "surgery"])

    assert "notes" in failure.value.message_dict


@pytest.mark.parametrize(
    ("action", "field"),
    [("resolve", "note"), ("dismiss", "reason")],
)
def test_it_refuses_over_long_flag_text(api, clinician, open_flag, action, field) -> None:
    body = {field: "x" * 4001, "outcome": "advice_given"}

    response = api(clinician).post(f"/api/v1/care/flags/{open_flag.id}/{action}/", body)

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


@pytest.fixture
def open_flag(patient):
    from tests.factories.checkins import FlagFactory

    return FlagFactory(patient=patient)
