"""Walks every dashboard URL as every persona; a URL without a rule in RULES fails the sweep.

Expectations (the dashboard is for care-team members, through a session login):
- anonymous: redirected to the login page, with the page asked for as `next`;
- a patient, or staff on no care team: 403;
- a clinician of another team: 404 on the object's URL, and never the patient on a list page;
- a clinician of the patient's team: the page (200), or the redirect the action answers with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

dashboard_urls = pytest.importorskip("recovery.dashboard.urls", reason="no dashboard yet")

PUBLIC = "public"  # the login and logout pages themselves
OBJECT = "object"  # one patient's (or one flag's) page or action
PAGE = "page"  # a page of the clinician's own teams (lists, settings)
# Break-glass (issue 17): any clinician may ask for emergency access to any patient id, so
# another team's clinician gets the form, not a 404; the grant itself is tested in
# tests/security/test_break_glass.py.
EMERGENCY = "emergency"


@dataclass(frozen=True)
class Rule:
    kind: str
    method: str = "get"
    owner_status: int = 200  # what the patient's own clinician gets
    args: Callable[[dict[str, Any]], list[str]] = lambda world: []
    data: dict[str, str] | None = None


def _patient_args(world: dict[str, Any]) -> list[str]:
    return [str(world["patient"].id)]


def _flag_args(world: dict[str, Any]) -> list[str]:
    return [str(world["flag"].id)]


def _milestone_args(world: dict[str, Any]) -> list[str]:
    from recovery.models import Milestone
    from recovery.services.plans import plan_instantiate

    plan = plan_instantiate(surgery=world["patient"].surgeries.get())
    milestone = Milestone.objects.filter(plan=plan).first()
    return [str(world["patient"].id), str(milestone.id)]


def _member_args(world: dict[str, Any]) -> list[str]:
    return [str(world["clinician"].pk)]


# URL name (in the "dashboard" namespace) -> rules, one per method the URL serves.
RULES: dict[str, list[Rule]] = {
    "login": [Rule(PUBLIC)],
    "logout": [Rule(PUBLIC, "post", 302)],
    # Sign-in's second step, enrollment and password reset: reached before signing in.
    "login-otp": [Rule(PUBLIC)],
    "mfa-setup": [Rule(PUBLIC)],
    "mfa-recovery-codes": [Rule(PUBLIC, "post")],
    "password-reset": [Rule(PUBLIC)],
    "password-reset-confirm": [Rule(PUBLIC)],
    "password-change": [Rule(PAGE)],
    # Coordinators only: a nurse acting on a member (here herself) gets 404, as an outsider does.
    "team-security": [Rule(PAGE)],
    "team-member-unlock": [Rule(OBJECT, "post", 404, _member_args)],
    "team-member-mfa-reset": [Rule(OBJECT, "post", 404, _member_args)],
    "worklist": [Rule(PAGE)],
    "worklist-live": [Rule(PAGE)],
    "time-zone": [Rule(PAGE), Rule(PAGE, "post", 302, data={"zone": "Europe/London"})],
    "outcomes": [Rule(PAGE)],
    "outcomes-csv": [Rule(PAGE)],
    "patient": [Rule(OBJECT, args=_patient_args)],
    "flag": [Rule(OBJECT, owner_status=302, args=_flag_args)],
    "flag-acknowledge": [Rule(OBJECT, "post", 302, _flag_args)],
    "flag-resolve": [Rule(OBJECT, "post", 302, _flag_args, {"outcome": "advice_given"})],
    # issue 16: flag ownership
    "flag-assign": [Rule(OBJECT, "post", 302, _flag_args)],
    "flag-unassign": [Rule(OBJECT, "post", 302, _flag_args)],
    # issue 16: the team records a milestone from the patient page
    "milestone-record": [Rule(OBJECT, "post", 302, _milestone_args, {"status": "achieved"})],
    "break-glass": [
        Rule(EMERGENCY, args=_patient_args),
        Rule(EMERGENCY, "post", 200, _patient_args, {"reason": "too short"}),
    ],
}


# --- Wound photos (issue 21) -----------------------------------------------------------------


def _wound_photo_args(world: dict[str, Any]) -> list[str]:
    from tests.factories.wound_photos import make_wound_photo

    if "wound_photo" not in world:
        world["wound_photo"] = make_wound_photo(world["patient"])
    return [str(world["wound_photo"].id)]


RULES["wound-photo-review"] = [
    Rule(OBJECT, "post", 302, _wound_photo_args, {"status": "looks_fine"}),
]


def _dashboard_names() -> list[str]:
    resolver = get_resolver()
    _, namespace_resolver = resolver.namespace_dict["dashboard"]

    def walk(patterns: list[Any]) -> list[str]:
        names: list[str] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                names += walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(pattern.name)
        return names

    return sorted(walk(namespace_resolver.url_patterns))


CASES = [(name, rule) for name in sorted(RULES) for rule in RULES[name] if rule.kind != PUBLIC]
IDS = [f"{rule.method}-{name}" for name, rule in CASES]


@pytest.fixture
def world(patient, other_patient, clinician, outsider_clinician, staff) -> dict[str, Any]:
    from tests.factories.checkins import FlagFactory

    return {
        "patient": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "outsider_clinician": outsider_clinician,
        "staff": staff,
        "flag": FlagFactory(patient=patient),
    }


def _call(user: Any, name: str, rule: Rule, world: dict[str, Any]) -> tuple[str, Any]:
    client = Client()
    if user is not None:
        verified_login(client, user)
    url = reverse(f"dashboard:{name}", args=rule.args(world))
    return url, getattr(client, rule.method)(url, rule.data or {})


def test_every_dashboard_url_has_an_access_rule() -> None:
    names = _dashboard_names()
    missing = [name for name in names if name not in RULES]
    assert not missing, f"add dashboard access rules for: {missing}"
    stale = [name for name in RULES if name not in names]
    assert not stale, f"rules for dashboard URLs that no longer exist: {stale}"


@pytest.mark.parametrize(("name", "rule"), CASES, ids=IDS)
def test_anonymous_visitors_are_sent_to_the_login_page(world, name, rule) -> None:
    url, response = _call(None, name, rule, world)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={quote(url)}"


@pytest.mark.parametrize(("name", "rule"), CASES, ids=IDS)
@pytest.mark.parametrize("persona", ["patient", "staff"])
def test_patients_and_staff_off_the_care_teams_are_forbidden(world, name, rule, persona) -> None:
    user = world["patient"].user if persona == "patient" else world["staff"]
    _, response = _call(user, name, rule, world)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "rule"),
    [case for case in CASES if case[1].kind == OBJECT],
    ids=[i for i, case in zip(IDS, CASES, strict=True) if case[1].kind == OBJECT],
)
def test_another_teams_clinician_gets_not_found(world, name, rule) -> None:
    _, response = _call(world["outsider_clinician"], name, rule, world)
    assert response.status_code == 404
    world["flag"].refresh_from_db()
    assert world["flag"].status == "open"  # and the action did nothing


@pytest.mark.parametrize(
    ("name", "rule"),
    [case for case in CASES if case[1].kind == PAGE and case[1].method == "get"],
)
def test_another_teams_clinician_never_sees_the_patient_on_a_list(world, name, rule) -> None:
    _, response = _call(world["outsider_clinician"], name, rule, world)
    assert response.status_code == 200
    body = b"".join(response) if response.streaming else response.content
    assert str(world["patient"].id).encode() not in body
    assert str(world["flag"].id).encode() not in body


@pytest.mark.parametrize(("name", "rule"), CASES, ids=IDS)
def test_the_patients_own_clinician_gets_through(world, name, rule) -> None:
    _, response = _call(world["clinician"], name, rule, world)
    assert response.status_code == rule.owner_status, response.content[:500]


@pytest.mark.parametrize("name", ["login"])
def test_the_login_page_is_public(name) -> None:
    assert Client().get(reverse(f"dashboard:{name}")).status_code == 200


# --- One access event per page that shows patient data (issue 15) ---------------------------
# A list page writes one event per patient shown (the persona patient has a live flag, so the
# worklist lists them once); a patient page one `view`; the cohort pages one event for the table.
# A new page that shows patient data without recording it fails here. Pages that show none:
# Settings and account forms; a redirect to the patient page; the break-glass form (it names
# only the id the clinician typed; granting access is audited by the grant itself).
NO_PATIENT_DATA = {"time-zone", "flag", "password-change", "team-security", "break-glass"}
COHORT_PAGES = {"outcomes", "outcomes-csv"}
READ_CASES = [
    (name, rule) for name, rule in CASES if rule.method == "get" and name not in NO_PATIENT_DATA
]


@pytest.mark.parametrize(("name", "rule"), READ_CASES, ids=[n for n, _ in READ_CASES])
def test_it_records_exactly_one_access_event_per_page_read(world, name, rule) -> None:
    from recovery.models import AccessEvent

    before = set(AccessEvent.objects.values_list("id", flat=True))
    _, response = _call(world["clinician"], name, rule, world)
    if response.streaming:
        b"".join(response)

    assert response.status_code == 200
    new = AccessEvent.objects.exclude(id__in=before).filter(actor=world["clinician"])
    if name in COHORT_PAGES:
        assert new.count() == 1 and new.get().object_type == "cohort_outcomes"
    else:
        assert new.filter(patient=world["patient"]).count() == 1, name


def test_the_pages_without_patient_data_are_still_dashboard_urls() -> None:
    assert set(_dashboard_names()) >= NO_PATIENT_DATA | COHORT_PAGES
