"""A patient's first week, driven through a client generated from the live schema (issue 18).

The client is what `openapi-python-client` makes of /api/schema/, untouched. Its requests go
through Django's whole WSGI stack (middleware, authentication, throttles) in this process, so
the journey shares the test's database transaction. Every response must parse into the model
the schema promises: an undocumented status raises (raise_on_unexpected_status), a missing or
mistyped field raises while parsing, and a field the schema does not declare fails `_strict`.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from notifications.services import Message, notify
from tests.contract.conftest import generated_module
from tests.factories import CareTeamFactory, ClinicianFactory
from tests.factories.checkins import CheckInFactory
from tests.factories.recovery import PASSWORD
from tests.mfa import totp_code, totp_device_for

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # A real server closes "old" connections around each request; in a test that would close
    # the connection holding the test's transaction. Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


SURGERY_DAY = date(2026, 5, 4)  # a Monday, far from any DST change in New York
NOON_NEW_YORK = datetime(2026, 5, 4, 16, tzinfo=UTC)
PATIENT_PASSWORD = "a-long-and-unusual-passphrase"


class Journey:
    """The generated package, and clients on the in-process server."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models = generated_module(package, "models")
        self.transport = httpx.WSGITransport(app=WSGIHandler())

    def api(self, name: str) -> ModuleType:
        return generated_module(self.package, f"api.{name}")

    def client(self, token: str | None = None) -> Any:
        options: dict[str, Any] = {
            "base_url": "http://testserver",
            "httpx_args": {"transport": self.transport},
            "raise_on_unexpected_status": True,
        }
        if token is None:
            return self.package.Client(**options)
        return self.package.AuthenticatedClient(token=token, **options)

    def sign_in(self, username: str, password: str, otp: str | None = None) -> Any:
        body = self.models.TokenObtainInputRequest(username=username, password=password)
        if otp is not None:
            body.otp = otp
        tokens = expect(
            self.api("auth.auth_token_create").sync(client=self.client(), body=body),
            self.models.TokenObtainOutput,
        )
        return self.client(tokens.access)


def _strict(value: Any, path: str = "response") -> None:
    """No key the schema does not declare, anywhere in a parsed response.

    A model with declared fields keeps unknown keys in `additional_properties`; a typed map (a
    model with no declared field) keeps its entries there by design.
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            _strict(item, f"{path}[{index}]")
        return
    if not attrs.has(type(value)):
        return
    declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    extra = getattr(value, "additional_properties", {})
    if declared:
        assert not extra, f"{path}: keys the schema does not declare: {sorted(extra)}"
    for name in declared:
        _strict(getattr(value, name), f"{path}.{name}")
    for key, item in extra.items():
        _strict(item, f"{path}[{key!r}]")


def expect(parsed: Any, model: type) -> Any:
    assert isinstance(parsed, model), f"expected {model.__name__}, got {parsed!r}"
    _strict(parsed, model.__name__)
    return parsed


def _checkin(models: Any, when: datetime, **answers: Any) -> Any:
    return models.CheckInInputRequest(id=uuid.uuid4(), recorded_at=when, **answers)


def test_it_runs_a_patients_first_week_through_the_generated_client(generated_client) -> None:
    journey = Journey(generated_client)
    models = journey.models
    with time_machine.travel(NOON_NEW_YORK, tick=False) as clock:
        team = CareTeamFactory()
        clinician = ClinicianFactory(care_teams=[team])
        device = totp_device_for(clinician)
        # Surgery day: the care team enrols the patient; the patient activates and signs in.
        care = journey.sign_in(clinician.username, PASSWORD, otp=totp_code(device))
        enrolled = expect(
            journey.api("care.care_patients_create").sync(
                client=care,
                body=models.PatientEnrollInputRequest(
                    first_name="Ana",
                    last_name="Ruiz",
                    date_of_birth=date(1961, 4, 2),
                    timezone="America/New_York",
                    care_team=team.id,
                    diabetes=True,
                    hba1c=7.1,
                    surgery=models.SurgeryInputRequest(
                        date=SURGERY_DAY,
                        indication=models.IndicationEnum.SPONDYLOLISTHESIS,
                        approach=models.ApproachEnum.OPEN,
                        technique=models.TechniqueEnum.TLIF,
                    ),
                ),
            ),
            models.PatientEnrollOutput,
        )
        expect(
            journey.api("auth.auth_activate_create").sync(
                client=journey.client(),
                body=models.ActivationInputRequest(
                    activation_code=enrolled.activation_code,
                    username="ana.ruiz",
                    password=PATIENT_PASSWORD,
                ),
            ),
            models.ActivationOutput,
        )
        app = journey.sign_in("ana.ruiz", PATIENT_PASSWORD)
        me = expect(journey.api("me.me_retrieve").sync(client=app), models.PatientOutput)
        assert (me.id, me.postop_day, me.hba1c) == (enrolled.id, 0, 7.1)

        # The baseline questionnaires, from the form the app renders.
        form = expect(
            journey.api("me.me_questionnaires_retrieve").sync(instrument="odi", client=app),
            models.QuestionnaireFormOutput,
        )
        assert form.wording == "not_licensed" and len(form.items) == 10
        assert all(item.prompt is None and item.prompt_placeholder for item in form.items)
        due = expect(
            journey.api("me.me_questionnaires_due_retrieve").sync(client=app),
            models.QuestionnairesDueOutput,
        )
        assert {"odi", "nrs_pain"} <= {d.instrument for d in due.results}
        odi = expect(
            journey.api("me.me_questionnaires_create").sync(
                client=app,
                body=models.OdiQuestionnaireSubmitInputRequest(
                    id=uuid.uuid4(),
                    instrument="odi",
                    timepoint=models.TimepointEnum.BASELINE,
                    answers=[3, 2, 4, 2, 3, 3, 2, None, 2, 3],
                ),
            ),
            models.OdiQuestionnaireResponseOutput,
        )
        assert odi.score is not None and odi.answers[7] is None
        pain = models.NrsPainQuestionnaireSubmitInputRequestAnswers(back=7, leg=5)
        expect(
            journey.api("me.me_questionnaires_create").sync(
                client=app,
                body=models.NrsPainQuestionnaireSubmitInputRequest(
                    id=uuid.uuid4(),
                    instrument="nrs_pain",
                    timepoint=models.TimepointEnum.BASELINE,
                    answers=pain,
                ),
            ),
            models.NrsPainQuestionnaireResponseOutput,
        )

        # Day 1: plan, checklist, milestones and a normal check-in.
        clock.move_to(NOON_NEW_YORK + timedelta(days=1))
        app = journey.sign_in("ana.ruiz", PATIENT_PASSWORD)
        expect(journey.api("me.me_plan_retrieve").sync(client=app), models.PlanOutput)
        checklist = expect(
            journey.api("me.me_checklist_retrieve").sync(client=app), models.ChecklistOutput
        )
        entry = expect(
            journey.api("me.me_checklist_create").sync(
                client=app,
                body=models.ChecklistEntryInputRequest(
                    date=checklist.date, item=checklist.items[0].code, kept=True
                ),
            ),
            models.ChecklistEntryOutput,
        )
        assert entry.result == models.ResultEnum.CREATED
        expect(
            journey.api("me.me_milestones_list").sync(client=app),
            models.PaginatedMilestoneOutputList,
        )
        normal = _checkin(models, datetime.now(UTC), back_pain=4, leg_pain=2, temperature_c=37.0)
        first = expect(
            journey.api("me.me_check_ins_create").sync(client=app, body=normal),
            models.CheckInOutput,
        )
        assert first.flags == [] and first.wound_drainage is None

        # Day 2: a dangerous check-in (new saddle numbness) opens an emergency flag.
        clock.move_to(NOON_NEW_YORK + timedelta(days=2))
        app = journey.sign_in("ana.ruiz", PATIENT_PASSWORD)
        danger = _checkin(models, datetime.now(UTC), back_pain=4, saddle_numbness=True)
        flagged = expect(
            journey.api("me.me_check_ins_create").sync(client=app, body=danger),
            models.CheckInOutput,
        )
        assert [(f.category, f.severity) for f in flagged.flags] == [
            (models.FlagCategory.CAUDA_EQUINA, models.Severity.EMERGENCY)
        ]

        # Day 5: the offline queue (days 3-5), a replay, and an id another patient owns.
        clock.move_to(NOON_NEW_YORK + timedelta(days=5))
        app = journey.sign_in("ana.ruiz", PATIENT_PASSWORD)
        queued = [
            _checkin(models, datetime.now(UTC) - timedelta(days=back), back_pain=3)
            for back in (2, 1, 0)
        ]
        taken = _checkin(models, datetime.now(UTC), back_pain=3)
        taken.id = CheckInFactory().id
        batch = expect(
            journey.api("me.me_check_ins_batch_create").sync(
                client=app,
                body=models.CheckInBatchInputRequest(check_ins=[*queued, normal, taken]),
            ),
            models.CheckInBatchOutput,
        )
        assert [r.status for r in batch.results] == [201, 201, 201, 200, 409]
        assert isinstance(batch.results[0].check_in, models.CheckInOutput)
        assert isinstance(batch.results[4].error, models.Error)

        # The inbox: today's check-in reminder.
        notify([Message(me_user_id(enrolled.id), "checkin_due", "checkin:journey")])
        inbox = expect(
            journey.api("me.me_notifications_list").sync(client=app),
            models.PaginatedInboxNotificationOutputList,
        )
        assert [n.template for n in inbox.results] == ["checkin_due"]
        answers = expect(
            journey.api("me.me_questionnaires_list").sync(client=app),
            models.PaginatedQuestionnaireResponseOutputList,
        )
        assert {type(r).__name__ for r in answers.results} == {
            "OdiQuestionnaireResponseOutput",
            "NrsPainQuestionnaireResponseOutput",
        }

        # The care team: the flag list, acknowledge, resolve.
        care = journey.sign_in(clinician.username, PASSWORD, otp=totp_code(device))
        flags = expect(
            journey.api("care.care_flags_list").sync(client=care, patient=enrolled.id),
            models.PaginatedFlagOutputList,
        )
        assert [f.id for f in flags.results] == [flagged.flags[0].id]
        acknowledged = expect(
            journey.api("care.care_flags_acknowledge_create").sync(
                flag_id=flags.results[0].id, client=care
            ),
            models.FlagOutput,
        )
        assert acknowledged.status == models.FlagStatusEnum.ACKNOWLEDGED
        resolved = expect(
            journey.api("care.care_flags_resolve_create").sync(
                flag_id=flags.results[0].id,
                client=care,
                body=models.FlagResolveInputRequest(outcome=models.OutcomeEnum.SEEN_IN_CLINIC),
            ),
            models.FlagOutput,
        )
        assert resolved.status == models.FlagStatusEnum.RESOLVED


def me_user_id(patient_id: Any) -> int:
    from recovery.models import Patient

    return Patient.objects.values_list("user_id", flat=True).get(id=patient_id)
