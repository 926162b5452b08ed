"""Pure plan logic: phases by day, per-patient items and milestones, approach differences."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from recovery.pathways.loader import UnknownTechniqueError, load_pathways
from recovery.pathways.logic import (
    ParameterError,
    PlanItemSpec,
    apply_overrides,
    milestones_for,
    pathway_for_technique,
    phase_for_day,
    plan_items_for,
    postop_day,
    restrictions_in_force,
)

NON_SMOKER = {"brace_prescribed": False, "smoking_status": "never"}
LIFTING = ("lifting_limit",)
BLT = ("no_blt",)
DRIVING = ("no_driving", "driving_when_cleared", "driving_not_on_opioids")


@pytest.fixture(scope="module")
def templates():
    return load_pathways()


def _items(template, **patient):
    return plan_items_for(template, **{**NON_SMOKER, **patient})


def _snapshot(items: list[PlanItemSpec], day: int, codes: tuple[str, ...]):
    """What the patient reads about one concern on one day."""
    return [
        (i.code, i.title, dict(i.values))
        for i in restrictions_in_force(items, day)
        if i.code in codes
    ]


def _milestone(template, code, **patient):
    return next(m for m in milestones_for(template, **{**NON_SMOKER, **patient}) if m.code == code)


@pytest.mark.parametrize(
    ("day", "phase_code"),
    [
        (0, "weeks_0_2"),
        (14, "weeks_0_2"),
        (15, "weeks_2_6"),
        (42, "weeks_2_6"),
        (43, "week_6_month_3"),
        (90, "week_6_month_3"),
        (91, "months_3_6"),
        (180, "months_3_6"),
        (181, "months_6_12"),
        (365, "months_6_12"),
        (366, "after_1_year"),
        (5000, "after_1_year"),
    ],
)
def test_it_finds_the_phase_for_a_postoperative_day(templates, day, phase_code):
    for template in templates.values():
        assert phase_for_day(template, day).code == phase_code


def test_it_refuses_a_day_before_surgery(templates):
    with pytest.raises(ValueError, match="before surgery"):
        phase_for_day(templates["open_posterior"], -1)


@pytest.mark.parametrize(
    ("surgery", "local", "day"),
    [
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 1), 0),
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 15), 14),
        (datetime.date(2025, 2, 20), datetime.date(2025, 3, 1), 9),
        (datetime.date(2025, 3, 1), datetime.date(2025, 2, 28), -1),
    ],
)
def test_it_counts_postoperative_days_from_the_surgery_date(surgery, local, day):
    assert postop_day(surgery, local) == day


@pytest.mark.parametrize(
    ("technique", "code"),
    [
        ("tlif", "open_posterior"),
        ("MIS_TLIF", "mis_tlif"),
        (" llif ", "lateral"),
        ("olif", "anterior"),
    ],
)
def test_it_picks_the_template_for_a_technique(technique, code):
    assert pathway_for_technique(technique).code == code


def test_it_rejects_an_unknown_technique():
    with pytest.raises(UnknownTechniqueError, match="xlif"):
        pathway_for_technique("xlif")


def test_it_gives_open_and_mis_tlif_the_same_bone_healing_limits_on_day_10(templates):
    # R6, R81: BLT and lifting are the same whatever the incision, because fusion takes as long.
    open_items = _items(pathway_for_technique("tlif"))
    mis_items = _items(pathway_for_technique("mis_tlif"))
    for codes in (LIFTING, BLT, DRIVING):
        assert _snapshot(open_items, 10, codes) == _snapshot(mis_items, 10, codes)


@pytest.mark.parametrize(
    ("milestone", "open_window", "mis_window"),
    [
        ("discharge", (2, 5), (1, 2)),  # R70/R71/R5/R113 vs R115/R138/R139
        ("first_walk", (1, 1), (0, 1)),  # R70 vs R70/R112
        ("return_desk_work", (28, 42), (14, 42)),  # R6/R110 vs R111/R112
    ],
)
def test_it_differs_between_open_and_mis_tlif_where_the_sources_do(
    milestone, open_window, mis_window
):
    open_m = _milestone(pathway_for_technique("tlif"), milestone)
    mis_m = _milestone(pathway_for_technique("mis_tlif"), milestone)
    assert (open_m.day_min, open_m.day_max) == open_window
    assert (mis_m.day_min, mis_m.day_max) == mis_window


def test_it_tells_an_mis_tlif_patient_on_day_10_that_they_are_past_the_usual_stay():
    # The same day means different things: within the open stay window, past the MIS one.
    day = 10
    open_discharge = _milestone(pathway_for_technique("tlif"), "discharge")
    mis_discharge = _milestone(pathway_for_technique("mis_tlif"), "discharge")
    assert mis_discharge.day_max < open_discharge.day_max < day


def test_it_names_the_mis_brace_trial_only_in_the_mis_brace_item():
    # R91: a brace is often unnecessary after MIS-TLIF.
    def brace_sources(technique):
        items = _items(pathway_for_technique(technique), brace_prescribed=True)
        return {s for i in restrictions_in_force(items, 10) if i.code == "brace" for s in i.sources}

    assert "R91" in brace_sources("mis_tlif")
    assert "R91" not in brace_sources("tlif")


@pytest.mark.parametrize("technique", ["tlif", "mis_tlif", "llif", "alif"])
def test_it_names_sources_for_every_item_in_force_on_day_10(technique):
    items = _items(
        pathway_for_technique(technique), brace_prescribed=True, smoking_status="current"
    )
    in_force = restrictions_in_force(items, 10)
    assert in_force
    assert all(i.sources and all(s.startswith("R") for s in i.sources) for i in in_force)


@pytest.mark.parametrize("template_code", ["open_posterior", "mis_tlif", "lateral", "anterior"])
@pytest.mark.parametrize("codes", [LIFTING, BLT, DRIVING], ids=["lifting", "blt", "driving"])
def test_it_changes_lifting_blt_and_driving_only_on_phase_start_days(
    templates, template_code, codes
):
    template = templates[template_code]
    items = _items(template)
    starts = {p.start_day for p in template.phases}
    change_days = [
        d for d in range(1, 800) if _snapshot(items, d, codes) != _snapshot(items, d - 1, codes)
    ]
    assert change_days
    assert set(change_days) <= starts


@pytest.mark.parametrize(
    ("template_code", "codes", "boundary", "before", "at"),
    [
        # open posterior: no driving for 6 weeks, then only once cleared, then free (R70, R71, R89)
        ("open_posterior", DRIVING, 43, "no_driving", "driving_when_cleared"),
        ("open_posterior", DRIVING, 91, "driving_when_cleared", "driving_not_on_opioids"),
        ("mis_tlif", DRIVING, 43, "no_driving", "driving_when_cleared"),
        ("lateral", DRIVING, 43, "no_driving", "driving_when_cleared"),
        # anterior: no driving for 2 weeks or on opioids (R73)
        ("anterior", DRIVING, 15, "no_driving", "driving_not_on_opioids"),
        # lifting: 10 lb until 3 months, graded to 6 months, then no separate limit (R6, R7, R78)
        ("open_posterior", LIFTING, 181, "lifting_limit", None),
        ("anterior", LIFTING, 181, "lifting_limit", None),
        # BLT: avoided until 6 months, then full activity (R7, R79)
        ("open_posterior", BLT, 181, "no_blt", None),
        ("lateral", BLT, 181, "no_blt", None),
    ],
)
def test_it_changes_the_item_on_the_boundary_day(
    templates, template_code, codes, boundary, before, at
):
    items = _items(templates[template_code])

    def codes_on(day):
        return [code for code, _, _ in _snapshot(items, day, codes)] or [None]

    assert codes_on(boundary - 1) == [before]
    assert codes_on(boundary) == [at]


@pytest.mark.parametrize("template_code", ["open_posterior", "mis_tlif", "lateral", "anterior"])
def test_it_lifts_the_numeric_lifting_limit_after_three_months(templates, template_code):
    items = _items(templates[template_code])
    assert _snapshot(items, 90, LIFTING)[0][2] == {"lb": 10, "kg": 4.5}
    assert _snapshot(items, 91, LIFTING)[0][2] == {}


@pytest.mark.parametrize("template_code", ["open_posterior", "anterior"])
def test_it_relaxes_bending_at_six_weeks_and_three_months(templates, template_code):
    items = _items(templates[template_code])
    titles = {day: _snapshot(items, day, BLT)[0][1] for day in (42, 43, 90, 91)}
    assert titles[42] != titles[43]
    assert titles[90] != titles[91]


@pytest.mark.parametrize("template_code", ["open_posterior", "mis_tlif", "lateral", "anterior"])
@pytest.mark.parametrize(("prescribed", "expected"), [(True, True), (False, False)])
def test_it_includes_the_brace_item_only_when_prescribed(
    templates, template_code, prescribed, expected
):
    items = _items(templates[template_code], brace_prescribed=prescribed)
    assert any(i.code == "brace" for i in items) is expected


@pytest.mark.parametrize("template_code", ["open_posterior", "mis_tlif", "lateral", "anterior"])
@pytest.mark.parametrize(
    ("status", "smoker"),
    [("current", True), ("Current", True), ("former", False), ("never", False)],
)
def test_it_adds_nicotine_cessation_for_current_smokers(templates, template_code, status, smoker):
    template = templates[template_code]
    items = _items(template, smoking_status=status)
    milestones = milestones_for(template, brace_prescribed=False, smoking_status=status)
    assert any(i.code == "nicotine_cessation" for i in items) is smoker
    assert any(m.code.startswith("nicotine_free") for m in milestones) is smoker


@pytest.mark.parametrize("status", ["current", "never"])
def test_it_asks_everyone_to_avoid_nicotine(templates, status):
    items = _items(templates["open_posterior"], smoking_status=status)
    assert [i.code for i in restrictions_in_force(items, 0) if i.code == "no_nicotine"] == [
        "no_nicotine"
    ]


@pytest.mark.parametrize(
    ("template_code", "minutes"),
    [
        ("open_posterior", {"minutes": 20}),
        ("anterior", {"change_position_minutes": 30, "minutes": 60}),
    ],
)
def test_it_limits_sitting_by_approach(templates, template_code, minutes):
    # R2/R76 (posterior, 20 min) vs R73/R74 (anterior: change position every 30-45 min, <= 60 min)
    items = _items(templates[template_code])
    sitting = [dict(i.values) for i in restrictions_in_force(items, 5) if i.code == "sitting_limit"]
    assert sitting == [minutes]


@pytest.mark.parametrize(
    ("template_code", "last_day_without_sex"), [("anterior", 14), ("open_posterior", 42)]
)
def test_it_allows_sexual_activity_later_after_posterior_fusion(
    templates, template_code, last_day_without_sex
):
    # R73: after 2 weeks (ALIF); R70: 6-8 weeks (posterior)
    items = _items(templates[template_code])

    def banned(day):
        return any(i.code == "no_sexual_activity" for i in restrictions_in_force(items, day))

    assert banned(last_day_without_sex)
    assert not banned(last_day_without_sex + 1)


@pytest.mark.parametrize(
    ("template_code", "has_4_week_xray"),
    [("anterior", True), ("open_posterior", False), ("lateral", False)],
)
def test_it_schedules_the_4_week_xray_only_after_anterior_fusion(
    templates, template_code, has_4_week_xray
):
    codes = {m.code for m in milestones_for(templates[template_code], **NON_SMOKER)}
    assert ("xray_4w" in codes) is has_4_week_xray


@pytest.mark.parametrize(
    ("template_code", "watched"), [("lateral", True), ("mis_tlif", False), ("anterior", False)]
)
def test_it_watches_thigh_symptoms_only_after_lateral_fusion(templates, template_code, watched):
    items = _items(templates[template_code])
    assert any(i.code == "thigh_symptom_watch" for i in restrictions_in_force(items, 10)) is watched


def test_it_expects_a_lateral_patient_to_walk_on_the_day_of_surgery(templates):
    assert _milestone(templates["lateral"], "first_walk").day_min == 0
    assert _milestone(templates["open_posterior"], "first_walk").day_min == 1


def test_it_renders_numbers_into_the_patient_text(templates):
    items = _items(templates["open_posterior"])
    lifting = next(i for i in items if i.code == "lifting_limit")
    assert lifting.title == "Don't lift more than 10 lb (4.5 kg)"


def test_it_stamps_items_and_milestones_with_the_template_version(templates):
    template = templates["lateral"]
    specs = [*_items(template), *milestones_for(template, **NON_SMOKER)]
    assert {(s.template_code, s.template_version) for s in specs} == {("lateral", template.version)}


def test_it_orders_milestones_by_window(templates):
    milestones = milestones_for(templates["anterior"], **NON_SMOKER)
    assert milestones == sorted(milestones, key=lambda m: (m.day_min, m.day_max))
    assert [m.code for m in milestones[:2]] == ["first_walk", "discharge"]  # file order on ties


def test_it_finds_items_in_force_on_any_object_with_a_day_window():
    rows = [
        SimpleNamespace(code="a", start_day=0, end_day=14),
        SimpleNamespace(code="b", start_day=15, end_day=None),
        SimpleNamespace(code="c", start_day=10, end_day=20),
    ]
    assert [r.code for r in restrictions_in_force(rows, 14)] == ["a", "c"]
    assert [r.code for r in restrictions_in_force(rows, 15)] == ["b", "c"]
    assert [r.code for r in restrictions_in_force(rows, 9000)] == ["b"]


def test_it_applies_a_clinic_lifting_limit_in_lb_and_kg(templates):
    template = apply_overrides(templates["open_posterior"], {"lifting_limit_lb": 15})
    lifting = [i for i in _items(template) if i.code == "lifting_limit" and i.values]
    assert {i.title for i in lifting} == {"Don't lift more than 15 lb (6.8 kg)"}


def test_it_leaves_the_shared_template_untouched_by_overrides(templates):
    apply_overrides(templates["open_posterior"], {"lifting_limit_lb": 15})
    assert load_pathways()["open_posterior"] == templates["open_posterior"]


def test_it_applies_a_clinic_discharge_window(templates):
    template = apply_overrides(templates["anterior"], {"discharge_day_max": 6})
    assert _milestone(template, "discharge").day_max == 6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lifting_kg": 5}, "unknown parameter 'lifting_kg'"),
        ({"shower_from_day": 20}, "shower_from_day=20 outside"),
        ({"discharge_day_min": 9}, "day_min > day_max"),
        ({"discharge_day_max": 2.5}, "must be a whole day"),
    ],
)
def test_it_rejects_bad_overrides(templates, overrides, message):
    with pytest.raises(ParameterError, match=message):
        apply_overrides(templates["open_posterior"], overrides)
