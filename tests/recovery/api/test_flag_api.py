"""Care-team flag API: worklist, acknowledge/resolve/dismiss, transitions, scope and audit."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from recovery.models import AccessEvent, Flag
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory, FlagFindingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/care/flags/"


def _action(flag: Flag, verb: str) -> str:
    return f"/api/v1/care/flags/{flag.id}/{verb}/"


BODIES = {
    "acknowledge": {},
    "resolve": {"outcome": "advice_given", "note": "Phoned; wound check booked."},
    "dismiss": {"reason": "Reported by mistake."},
}

# (starting status, action) -> resulting status, or None when the transition is refused.
TRANSITIONS = [
    ("open", "acknowledge", "acknowledged"),
    ("open", "resolve", "resolved"),
    ("open", "dismiss", "dismissed"),
    ("acknowledged", "acknowledge", None),
    ("acknowledged", "resolve", "resolved"),
    ("acknowledged", "dismiss", "dismissed"),
    ("resolved", "acknowledge", None),
    ("resolved", "resolve", None),
    ("resolved", "dismiss", None),
    ("dismissed", "acknowledge", None),
    ("dismissed", "resolve", None),
    ("dismissed", "dismiss", None),
]


def _flag_in(status: str, patient) -> Flag:
    now = timezone.now()
    stamps = {"resolved": {"resolved_at": now}, "dismissed": {"dismissed_at": now}}
    return FlagFactory(patient=patient, status=status, **stamps.get(status, {}))


# ---------------------------------------------------------------------------- lifecycle


@pytest.mark.parametrize(("start", "verb", "result"), TRANSITIONS)
def test_it_allows_only_valid_transitions(api, patient, clinician, start, verb, result) -> None:
    flag = _flag_in(start, patient)
    response = api(clinician).post(_action(flag, verb), BODIES[verb], format="json")
    flag.refresh_from_db()
    if result is None:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_transition"
        assert start in response.json()["message"]
        assert flag.status == start
    else:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == flag.status == result


def test_it_says_clearly_why_a_dismissed_flag_cannot_be_resolved(api, patient, clinician) -> None:
    flag = _flag_in("dismissed", patient)
    response = api(clinician).post(_action(flag, "resolve"), BODIES["resolve"], format="json")
    assert response.json()["message"] == (
        "This flag is already dismissed; a dismissed flag cannot be resolved."
    )


def test_it_records_who_acknowledged_and_when(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    body = api(clinician).post(_action(flag, "acknowledge")).json()
    assert body["acknowledged_by"] == clinician.id
    assert body["acknowledged_at"] is not None


def test_it_records_the_resolution_note_and_outcome(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    api(clinician).post(_action(flag, "resolve"), BODIES["resolve"], format="json")
    flag.refresh_from_db()
    assert (flag.resolution_outcome, flag.resolution_note) == (
        "advice_given",
        "Phoned; wound check booked.",
    )
    assert (flag.resolved_by, flag.resolved_at is not None) == (clinician, True)


def test_it_records_the_dismissal_reason(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    api(clinician).post(_action(flag, "dismiss"), BODIES["dismiss"], format="json")
    flag.refresh_from_db()
    assert (flag.dismiss_reason, flag.dismissed_by) == ("Reported by mistake.", clinician)


@pytest.mark.parametrize(
    ("verb", "body", "field"),
    [
        ("resolve", {}, "outcome"),
        ("resolve", {"outcome": "cured"}, "outcome"),
        ("resolve", {"outcome": "other", "note": "x" * 4001}, "note"),
        ("dismiss", {}, "reason"),
        ("dismiss", {"reason": ""}, "reason"),
        ("dismiss", {"reason": "   "}, "reason"),
    ],
)
def test_it_validates_action_bodies(api, patient, clinician, verb, body, field) -> None:
    flag = FlagFactory(patient=patient)
    response = api(clinician).post(_action(flag, verb), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    flag.refresh_from_db()
    assert flag.status == "open"


@pytest.mark.parametrize("outcome", [choice for choice, _ in Flag.Outcome.choices])
def test_it_accepts_every_documented_outcome(api, patient, clinician, outcome) -> None:
    flag = FlagFactory(patient=patient)
    response = api(clinician).post(_action(flag, "resolve"), {"outcome": outcome}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("verb", "action"),
    [
        ("acknowledge", "flag_acknowledge"),
        ("resolve", "flag_resolve"),
        ("dismiss", "flag_dismiss"),
    ],
)
def test_it_audits_every_flag_action(api, patient, clinician, verb, action) -> None:
    flag = FlagFactory(patient=patient)
    api(clinician).post(_action(flag, verb), BODIES[verb], format="json")
    event = AccessEvent.objects.get(action=action)
    assert (event.actor, event.patient_id, event.object_type, event.object_id) == (
        clinician,
        patient.id,
        "flag",
        str(flag.id),
    )


def test_it_does_not_audit_a_refused_action(api, patient, clinician) -> None:
    flag = _flag_in("resolved", patient)
    api(clinician).post(_action(flag, "dismiss"), BODIES["dismiss"], format="json")
    assert not AccessEvent.objects.filter(action="flag_dismiss").exists()


def test_it_carries_the_contract_fields(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    [row] = api(clinician).get(LIST).json()["results"]
    assert row["id"] == str(flag.id)
    assert row["patient"] == str(patient.id)
    for key in ("category", "severity", "status", "rule_id", "rule_version", "opened_at"):
        assert key in row
    assert row["updated_at"] is not None


# -------------------------------------------------------------------------------- scope


@pytest.mark.parametrize("verb", ["acknowledge", "resolve", "dismiss"])
def test_it_hides_another_teams_flag_from_actions(api, patient, outsider_clinician, verb) -> None:
    flag = FlagFactory(patient=patient)
    response = api(outsider_clinician).post(_action(flag, verb), BODIES[verb], format="json")
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


def test_it_hides_another_teams_flag_from_the_detail(api, patient, outsider_clinician) -> None:
    flag = FlagFactory(patient=patient)
    assert api(outsider_clinician).get(f"{LIST}{flag.id}/").status_code == 404


# ----------------------------------------------------------------------------- findings


def test_it_lists_every_finding_on_the_detail_oldest_first(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    checkin = CheckInFactory(patient=patient)
    later = flag.opened_at + timedelta(hours=2)
    FlagFindingFactory(flag=flag, checkin=checkin)
    FlagFindingFactory(
        flag=flag,
        rule_id="infection.purulent_drainage",
        facts={"wound_drainage": "pus"},
        checkin=None,
        at=later,
    )
    findings = api(clinician).get(f"{LIST}{flag.id}/").json()["findings"]
    assert findings == [
        {
            "rule_id": flag.rule_id,
            "rule_version": flag.rule_version,
            "severity": flag.severity,
            "check_in": str(checkin.id),
            "facts": flag.facts,
            "answers": ["temperature 38.4 °C"],
            "at": flag.opened_at.isoformat().replace("+00:00", "Z"),
        },
        {
            "rule_id": "infection.purulent_drainage",
            "rule_version": flag.rule_version,
            "severity": flag.severity,
            "check_in": None,
            "facts": {"wound_drainage": "pus"},
            "answers": ["drainage: pus"],
            "at": later.isoformat().replace("+00:00", "Z"),
        },
    ]


def test_it_audits_a_detail_read_once(api, patient, clinician) -> None:
    flag = FlagFactory(patient=patient)
    FlagFindingFactory(flag=flag)
    api(clinician).get(f"{LIST}{flag.id}/")
    assert AccessEvent.objects.filter(object_id=str(flag.id), action="view").count() == 1


def test_it_leaves_the_findings_out_of_the_worklist(api, patient, clinician) -> None:
    FlagFindingFactory(flag=FlagFactory(patient=patient))
    [row] = api(clinician).get(LIST).json()["results"]
    assert "findings" not in row


def test_it_reads_the_detail_in_constant_queries(
    api, patient, clinician, django_assert_max_num_queries
) -> None:
    flag = FlagFactory(patient=patient)
    FlagFindingFactory.create_batch(
        12, flag=flag, rule_id=factory.Sequence(lambda n: f"infection.rule_{n}")
    )
    client = api(clinician)
    # membership, flag, check-in prefetch, findings, access-log insert
    with django_assert_max_num_queries(6):
        response = client.get(f"{LIST}{flag.id}/")
    assert len(response.json()["findings"]) == 12


def test_it_lists_only_the_callers_teams_flags(
    api, patient, other_patient, clinician, outsider_clinician
) -> None:
    mine = FlagFactory(patient=patient)
    theirs = FlagFactory(patient=other_patient)
    assert [r["id"] for r in api(clinician).get(LIST).json()["results"]] == [str(mine.id)]
    assert [r["id"] for r in api(outsider_clinician).get(LIST).json()["results"]] == [
        str(theirs.id)
    ]


def test_it_shows_a_clinician_on_two_teams_both(api, patient, other_patient) -> None:
    both = ClinicianFactory(care_teams=[patient.care_team, other_patient.care_team])
    FlagFactory(patient=patient)
    FlagFactory(patient=other_patient)
    assert len(api(both).get(LIST).json()["results"]) == 2


@pytest.mark.parametrize("verb", ["acknowledge", "resolve", "dismiss"])
def test_it_forbids_patients_the_care_endpoints(api, patient, verb) -> None:
    flag = FlagFactory(patient=patient)
    client = api(patient.user)
    assert client.get(LIST).status_code == 403
    assert client.post(_action(flag, verb), BODIES[verb], format="json").status_code == 403


def test_it_refuses_anonymous_callers(api, patient) -> None:
    flag = FlagFactory(patient=patient)
    assert api().get(LIST).status_code == 401
    assert api().post(_action(flag, "acknowledge")).status_code == 401


def test_it_records_each_listed_patient_in_the_access_log(api, patient, clinician) -> None:
    FlagFactory(patient=patient, category="ileus")
    FlagFactory(patient=patient, category="infection")
    api(clinician).get(LIST)
    events = AccessEvent.objects.filter(action="list", object_type="flag")
    assert [e.patient_id for e in events] == [patient.id]


# ------------------------------------------------------------------ ordering and filters


def test_it_orders_by_severity_then_oldest_first(api, patient, clinician) -> None:
    now = timezone.now()
    team = patient.care_team
    made = {
        "routine-old": ("routine", now - timedelta(hours=9)),
        "urgent-new": ("urgent", now - timedelta(hours=1)),
        "emergency-new": ("emergency", now - timedelta(minutes=5)),
        "urgent-old": ("urgent", now - timedelta(hours=5)),
        "emergency-old": ("emergency", now - timedelta(hours=2)),
    }
    ids = {}
    for name, (severity, opened) in made.items():
        ids[name] = str(
            FlagFactory(
                patient=PatientFactory(care_team=team), severity=severity, opened_at=opened
            ).id
        )
    rows = api(clinician).get(LIST).json()["results"]
    order = ["emergency-old", "emergency-new", "urgent-old", "urgent-new", "routine-old"]
    assert [r["id"] for r in rows] == [ids[name] for name in order]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", {"open-infection", "open-ileus"}),
        ("status=open,acknowledged", {"open-infection", "open-ileus", "ack-dvt"}),
        ("status=resolved", {"resolved-infection"}),
        ("severity=emergency", {"ack-dvt"}),
        ("category=infection", {"open-infection", "resolved-infection"}),
        ("category=ileus&status=open", {"open-ileus"}),
    ],
)
def test_it_filters_the_worklist(api, patient, clinician, query, expected) -> None:
    now = timezone.now()
    flags = {
        "open-infection": FlagFactory(patient=patient, category="infection"),
        "open-ileus": FlagFactory(patient=patient, category="ileus", severity="routine"),
        "ack-dvt": FlagFactory(
            patient=patient, category="dvt_pe", severity="emergency", status="acknowledged"
        ),
        "resolved-infection": FlagFactory(
            patient=patient, category="infection", status="resolved", resolved_at=now
        ),
    }
    rows = api(clinician).get(f"{LIST}?{query}").json()["results"]
    names = {name for name, flag in flags.items() if str(flag.id) in {r["id"] for r in rows}}
    assert names == expected


def test_it_filters_by_patient(api, patient, clinician) -> None:
    neighbour = PatientFactory(care_team=patient.care_team)
    FlagFactory(patient=neighbour)
    mine = FlagFactory(patient=patient)
    rows = api(clinician).get(f"{LIST}?patient={patient.id}").json()["results"]
    assert [r["id"] for r in rows] == [str(mine.id)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("severity=critical", "severity"),
        ("category=flu", "category"),
        ("patient=42", "patient"),
        ("status=open,closed", "status"),
    ],
)
def test_it_refuses_unknown_filter_values(api, clinician, query, field) -> None:
    response = api(clinician).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_it_pages_the_worklist_without_gaps_or_repeats(api, patient, clinician) -> None:
    now = timezone.now()
    team = patient.care_team
    made = set()
    for index in range(11):
        severity = ("routine", "urgent", "emergency")[index % 3]
        opened = now - timedelta(minutes=index % 4)  # ties on opened_at on purpose
        flag = FlagFactory(
            patient=PatientFactory(care_team=team), severity=severity, opened_at=opened
        )
        made.add(str(flag.id))
    client = api(clinician)
    seen: list[str] = []
    url = f"{LIST}?page_size=4"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == made
    full = [r["id"] for r in client.get(f"{LIST}?page_size=50").json()["results"]]
    assert seen == full


def test_it_refuses_a_forged_cursor(api, clinician) -> None:
    assert api(clinician).get(f"{LIST}?cursor=bm9wZQ==").status_code == 404


@pytest.mark.parametrize("size", [1, 10, 40])
def test_it_lists_in_constant_queries(
    api, patient, clinician, size, django_assert_max_num_queries
) -> None:
    team = patient.care_team
    for _ in range(size):
        flag = FlagFactory(patient=PatientFactory(care_team=team))
        flag.checkins.add(CheckInFactory(patient=flag.patient))
        FlagFindingFactory.create_batch(2, flag=flag, rule_id=factory.Iterator(["a", "b"]))
    client = api(clinician)
    # membership check, flags page, check-in prefetch, access-log insert
    with django_assert_max_num_queries(5):
        response = client.get(LIST)
    assert len(response.json()["results"]) == size
