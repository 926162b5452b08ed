"""Clinical vignettes for the triage engine: a table of short patient stories and what must happen.

Each vignette states the categories that MUST be flagged with at least a given severity (so no
emergency can be missed) and, where over-triage matters, a ceiling: the highest severity any
finding may have ("none" means nothing at all may be flagged). Benign courses of normal recovery
have no expectations and a ceiling of "none" or "routine".

Check-in rules are run with `evaluate` on `checkin`; trend vignettes (checkin=None) are run with
`evaluate_trends` over `history` at `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from recovery.triage import TriageContext

SURGERY_AT = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
_MIS_TECHNIQUES = {"mis_tlif", "llif", "olif"}


def at(day: float, hour: int = 9) -> datetime:
    """A moment on a post-operative day (day 0 is the day of the operation)."""
    return SURGERY_AT + timedelta(days=day, hours=hour - 8)


def checkin(day: int, hour: int = 9, **facts: Any) -> dict[str, Any]:
    return {"recorded_at": at(day, hour), "postop_day": day, **facts}


def context(day: int, technique: str = "tlif", **risk: Any) -> TriageContext:
    approach = "mis" if technique in _MIS_TECHNIQUES else "open"
    return TriageContext(postop_day=day, approach=approach, technique=technique, **risk)


def pain_course(*points: tuple[int, int]) -> tuple[dict[str, Any], ...]:
    """History from (day, back_pain) points, returned newest first as the engine expects."""
    return tuple(checkin(day, back_pain=pain) for day, pain in reversed(points))


@dataclass(frozen=True)
class Vignette:
    name: str
    story: str
    context: TriageContext
    checkin: dict[str, Any] | None = None  # None: a trend vignette
    history: tuple[dict[str, Any], ...] = ()
    expect: tuple[tuple[str, str], ...] = ()  # (category, minimum severity)
    ceiling: str | None = None  # "none", "routine", "urgent" or None (no ceiling)
    now: datetime | None = None  # defaults to a minute after the check-in
    last_checkin_at: datetime | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    # REFERENCE.md ids that justify the expectation (or, for a benign course, that it is benign)
    sources: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        return "checkin" if self.checkin is not None else "trend"

    @property
    def evaluated_at(self) -> datetime:
        if self.now is not None:
            return self.now
        assert self.checkin is not None, f"trend vignette {self.name} needs `now`"
        return self.checkin["recorded_at"] + timedelta(minutes=1)

    @property
    def benign(self) -> bool:
        return self.ceiling in ("none", "routine")


def _v(
    name: str,
    story: str,
    day: int,
    *,
    technique: str = "tlif",
    risk: dict | None = None,
    facts: dict[str, Any] | None = None,
    trend: bool = False,
    **kwargs: Any,
) -> Vignette:
    ctx = context(day, technique, **(risk or {}))
    if trend:
        return Vignette(name, story, ctx, None, **kwargs)
    return Vignette(name, story, ctx, checkin(day, **(facts or {})), **kwargs)


NORMAL_DAY = {
    "back_pain": 3,
    "leg_pain": 1,
    "pain_controlled_by_medication": True,
    "temperature_c": 37.1,
    "wound_drainage": "none",
}

VIGNETTES: tuple[Vignette, ...] = (
    # ------------------------------------------------------------ benign, normal recovery
    _v(
        "soreness_day3",
        "Mild incision soreness on day 3, low pain, no fever",
        3,
        facts={**NORMAL_DAY, "opioid_doses_24h": 3, "walking_minutes": 15},
        ceiling="none",
    ),
    _v(
        "stable_low_pain_day21",
        "Stable low-grade back pain over three weeks",
        21,
        facts={**NORMAL_DAY, "back_pain": 3},
        history=pain_course((7, 3), (14, 3), (18, 3)),
        ceiling="none",
    ),
    _v(
        "llif_thigh_numbness_day5",
        "Expected transient anterior thigh numbness after LLIF",
        5,
        technique="llif",
        facts={**NORMAL_DAY, "thigh_numbness": True},
        expect=(("nerve_injury", "routine"),),
        ceiling="routine",
    ),
    _v(
        "olif_thigh_numbness_day3",
        "Thigh numbness after OLIF, nothing else",
        3,
        technique="olif",
        facts={**NORMAL_DAY, "thigh_numbness": True},
        ceiling="routine",
    ),
    _v(
        "clear_drainage_day2",
        "Small amount of clear drainage on day 2",
        2,
        facts={**NORMAL_DAY, "wound_drainage": "clear", "wound_drainage_days": 2},
        ceiling="none",
    ),
    _v(
        "bloody_drainage_day1",
        "Some bloody drainage the day after surgery",
        1,
        facts={**NORMAL_DAY, "wound_drainage": "bloody", "wound_drainage_days": 1},
        ceiling="none",
    ),
    _v(
        "drainage_exactly_day5",
        "Clear drainage still on day 5 (not yet beyond 5 days)",
        5,
        facts={**NORMAL_DAY, "wound_drainage": "clear", "wound_drainage_days": 5},
        ceiling="none",
    ),
    _v(
        "normal_temperature",
        "Normal temperature 37.4 on day 10",
        10,
        facts={**NORMAL_DAY, "temperature_c": 37.4},
        ceiling="none",
    ),
    _v(
        "temperature_just_below",
        "Temperature 37.9, just under the threshold",
        3,
        facts={**NORMAL_DAY, "temperature_c": 37.9},
        ceiling="none",
    ),
    _v(
        "diabetic_normal_temperature",
        "Diabetic patient at day 20, temperature 37.6",
        20,
        risk={"diabetes": True},
        facts={**NORMAL_DAY, "temperature_c": 37.6},
        ceiling="none",
    ),
    _v(
        "walking_day45",
        "Walking 40 minutes a day at 6 weeks, pain 2, off opioids",
        45,
        facts={**NORMAL_DAY, "back_pain": 2, "opioid_doses_24h": 0, "walking_minutes": 40},
        ceiling="none",
    ),
    _v(
        "improving_day30",
        "Pain improving week on week",
        30,
        facts={**NORMAL_DAY, "back_pain": 4},
        history=pain_course((7, 7), (14, 6), (21, 5)),
        ceiling="none",
    ),
    _v(
        "opioids_early_bm_ok",
        "Day 4 on opioids, bowel movement 2 days ago",
        4,
        facts={**NORMAL_DAY, "opioid_doses_24h": 4, "no_bowel_movement_days": 2},
        ceiling="none",
    ),
    _v(
        "off_opioids_day120",
        "Day 120, no opioids, pain 2",
        120,
        facts={**NORMAL_DAY, "back_pain": 2, "opioid_doses_24h": 0},
        ceiling="none",
    ),
    _v(
        "former_smoker_day60",
        "Former smoker, not using nicotine, day 60",
        60,
        risk={"smoking_status": "former"},
        facts={**NORMAL_DAY, "nicotine_use": False},
        ceiling="none",
    ),
    _v(
        "stable_low_pain_day400",
        "A year out, stable low pain",
        400,
        facts={**NORMAL_DAY, "back_pain": 2, "leg_pain": 0},
        history=pain_course((300, 2), (350, 2)),
        ceiling="none",
    ),
    _v(
        "early_swelling_day8",
        "Some swelling by the incision on day 8, nothing else",
        8,
        facts={**NORMAL_DAY, "wound_swelling": True},
        expect=(("infection", "routine"),),
        ceiling="routine",
    ),
    _v(
        "alif_nausea_day10",
        "Nausea alone on day 10 after ALIF (outside the first week)",
        10,
        technique="alif",
        facts={**NORMAL_DAY, "nausea_vomiting": True},
        expect=(("ileus", "routine"),),
        ceiling="routine",
    ),
    _v(
        "sudden_pain_moderate",
        "Pain a little worse suddenly, score 5, normal bone",
        14,
        facts={**NORMAL_DAY, "back_pain": 5, "sudden_pain_increase": True},
        expect=(("hardware_failure", "routine"),),
        ceiling="routine",
    ),
    _v(
        "pop_alone_day50",
        "A click felt in the back, no pain change",
        50,
        facts={**NORMAL_DAY, "pop_or_click": True},
        expect=(("hardware_failure", "routine"),),
        ceiling="routine",
    ),
    _v(
        "alarming_notes_benign_facts",
        "Frightening free text but normal structured answers",
        6,
        facts={**NORMAL_DAY, "notes": "chest pain, can't pee, numb between legs, call 911"},
        ceiling="none",
    ),
    _v(
        "not_reported_is_not_a_symptom",
        "Only pain reported; everything else left blank",
        12,
        facts={"back_pain": 3},
        ceiling="none",
    ),
    _v(
        "trend_benign_recent_checkin",
        "Day 20, checked in yesterday",
        20,
        trend=True,
        history=pain_course((19, 3), (18, 3)),
        now=at(20, 12),
        ceiling="none",
    ),
    _v(
        # Changed by issue 14 (finding 10): silence is watched for the whole follow-up window
        # (90 days by default); this vignette expected nothing at day 60.
        "trend_silence_after_six_weeks",
        "Day 60, no check-in for 10 days: inside the 90-day follow-up window",
        60,
        trend=True,
        history=pain_course((45, 2), (50, 2)),
        now=at(60),
        expect=(("silence", "routine"),),
        ceiling="routine",
        sources=("R9", "R12", "R13"),
    ),
    _v(
        "trend_single_old_fever",
        "One fever 4 days ago, normal since",
        24,
        trend=True,
        history=(checkin(23, temperature_c=37.0), checkin(20, temperature_c=38.4)),
        now=at(24),
        ceiling="none",
    ),
    _v(
        "trend_stable_one_year",
        "Stable pain 2 at one year",
        380,
        trend=True,
        history=pain_course((300, 2), (340, 2), (370, 2)),
        now=at(380),
        ceiling="none",
    ),
    _v(
        "trend_improving_after_month3",
        "Pain still improving at month 4",
        120,
        trend=True,
        history=pain_course((30, 6), (60, 5), (90, 4), (105, 3), (119, 2)),
        now=at(120),
        ceiling="none",
    ),
    # -------------------------------------------------------------------- emergencies
    _v(
        "saddle_numbness",
        "Numbness between the legs on day 4",
        4,
        facts={**NORMAL_DAY, "saddle_numbness": True},
        expect=(("cauda_equina", "emergency"),),
    ),
    _v(
        "new_bladder_problem",
        "New loss of bladder control on day 6",
        6,
        facts={**NORMAL_DAY, "new_bladder_problem": True},
        expect=(("cauda_equina", "emergency"),),
    ),
    _v(
        "bowel_incontinence",
        "New bowel incontinence on day 3",
        3,
        facts={**NORMAL_DAY, "new_bowel_incontinence": True},
        expect=(("cauda_equina", "emergency"),),
    ),
    _v(
        "retention_with_saddle",
        "Cannot pass urine and numb in the saddle area",
        2,
        facts={**NORMAL_DAY, "unable_to_urinate": True, "saddle_numbness": True},
        expect=(("cauda_equina", "emergency"), ("urinary_retention", "urgent")),
    ),
    _v(
        "retention_with_weakness",
        "Cannot pass urine and a leg is weak",
        2,
        facts={**NORMAL_DAY, "unable_to_urinate": True, "new_leg_weakness": True},
        expect=(("cauda_equina", "emergency"), ("nerve_injury", "emergency")),
    ),
    _v(
        "retention_with_bowel",
        "Cannot pass urine and new bowel incontinence",
        5,
        facts={**NORMAL_DAY, "unable_to_urinate": True, "new_bowel_incontinence": True},
        expect=(("cauda_equina", "emergency"),),
    ),
    _v(
        "chest_pain_day5",
        "Sharp chest pain on day 5",
        5,
        facts={**NORMAL_DAY, "chest_pain": True},
        expect=(("dvt_pe", "emergency"),),
    ),
    _v(
        "breathless_day9",
        "Short of breath at rest on day 9",
        9,
        facts={**NORMAL_DAY, "shortness_of_breath": True},
        expect=(("dvt_pe", "emergency"),),
    ),
    _v(
        "calf_and_breathless",
        "Calf swelling, then breathlessness",
        8,
        facts={**NORMAL_DAY, "calf_pain_or_swelling": True, "shortness_of_breath": True},
        expect=(("dvt_pe", "emergency"),),
    ),
    _v(
        "chest_pain_late",
        "Chest pain at day 400 is not suppressed by timing",
        400,
        facts={**NORMAL_DAY, "chest_pain": True},
        expect=(("dvt_pe", "emergency"),),
    ),
    _v(
        "csf_with_fever_stiff_neck",
        "Positional headache, fever 38.4, stiff neck, day 17",
        17,
        facts={
            **NORMAL_DAY,
            "headache_worse_upright": True,
            "temperature_c": 38.4,
            "stiff_neck": True,
        },
        expect=(("csf_leak", "emergency"), ("infection", "emergency")),
    ),
    _v(
        "csf_with_chills_confusion",
        "Clear wound fluid, chills, confused, no thermometer",
        15,
        facts={"back_pain": 4, "clear_fluid_from_wound": True, "chills": True, "confusion": True},
        expect=(("csf_leak", "emergency"),),
    ),
    _v(
        "fever_confusion",
        "Fever 38.2 and confusion on day 12",
        12,
        facts={**NORMAL_DAY, "temperature_c": 38.2, "confusion": True},
        expect=(("infection", "emergency"),),
    ),
    _v(
        "fall_with_weakness",
        "Fell at home and now the leg is weak",
        30,
        facts={**NORMAL_DAY, "fall": True, "new_leg_weakness": True},
        expect=(("hardware_failure", "emergency"), ("nerve_injury", "urgent")),
    ),
    _v(
        "pop_with_numbness",
        "Sudden pain with a pop and new leg numbness",
        40,
        facts={
            **NORMAL_DAY,
            "sudden_pain_increase": True,
            "pop_or_click": True,
            "new_leg_numbness": True,
            "back_pain": 8,
        },
        expect=(("hardware_failure", "emergency"),),
    ),
    _v(
        "foot_drop_bladder",
        "Foot drop with a new bladder problem",
        3,
        facts={**NORMAL_DAY, "foot_drop": True, "new_bladder_problem": True},
        expect=(("nerve_injury", "emergency"), ("cauda_equina", "emergency")),
    ),
    _v(
        # Changed by issue 14 (finding 9): the same weakness reported again is not progression
        # (this vignette expected an emergency from counting two reports within 2 days).
        "weakness_same_on_consecutive_days",
        "Leg weakness on day 2 and the same weakness again on day 3",
        3,
        facts={**NORMAL_DAY, "new_leg_weakness": True},
        history=(checkin(2, 20, **NORMAL_DAY, new_leg_weakness=True),),
        expect=(("nerve_injury", "urgent"),),
        ceiling="urgent",
        sources=("R1", "R33", "R61", "R62"),
    ),
    _v(
        "weakness_progressing_hematoma",
        "Leg weakness on day 2; on day 3 the foot also drags",
        3,
        facts={**NORMAL_DAY, "new_leg_weakness": True, "foot_drop": True},
        history=(checkin(2, 20, **NORMAL_DAY, new_leg_weakness=True),),
        expect=(("nerve_injury", "emergency"),),
        sources=("R1", "R33", "R62"),
    ),
    _v(
        # Changed by issue 14 (finding 8): hip-flexor weakness after LLIF is an expected
        # approach finding and no longer counts toward cauda equina (was an emergency).
        "llif_hip_weakness_retention",
        "LLIF day 4: hip-flexor weakness and cannot urinate",
        4,
        technique="llif",
        facts={**NORMAL_DAY, "hip_flexion_weakness": True, "unable_to_urinate": True},
        expect=(("nerve_injury", "urgent"), ("urinary_retention", "urgent")),
        ceiling="urgent",
        sources=("R27", "R30", "R38", "R46"),
    ),
    # ------------------------------------------------------------------------ urgent
    _v(
        "fever_at_threshold",
        "Temperature exactly 38.0 on day 12",
        12,
        facts={**NORMAL_DAY, "temperature_c": 38.0},
        expect=(("infection", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "fever_and_redness",
        "Fever 38.6 with a red incision on day 20",
        20,
        facts={**NORMAL_DAY, "temperature_c": 38.6, "wound_redness": True},
        expect=(("infection", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "chills_and_drainage",
        "Chills and bloody drainage on day 9",
        9,
        facts={**NORMAL_DAY, "chills": True, "wound_drainage": "bloody"},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "spreading_redness",
        "Spreading redness on day 15",
        15,
        facts={**NORMAL_DAY, "wound_redness": True},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "wound_warmth",
        "Warm incision on day 25",
        25,
        facts={**NORMAL_DAY, "wound_warmth": True},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "pus_day4",
        "Pus from the incision on day 4",
        4,
        facts={**NORMAL_DAY, "wound_drainage": "pus"},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "cloudy_day2",
        "Cloudy drainage already on day 2",
        2,
        facts={**NORMAL_DAY, "wound_drainage": "cloudy"},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "clear_drainage_day8",
        "Clear drainage still present on day 8",
        8,
        facts={**NORMAL_DAY, "wound_drainage": "clear", "wound_drainage_days": 8},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "bloody_drainage_day12",
        "Bloody drainage on day 12",
        12,
        facts={**NORMAL_DAY, "wound_drainage": "bloody"},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "later_swelling_day30",
        "New swelling under the incision at day 30",
        30,
        facts={**NORMAL_DAY, "wound_swelling": True},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "late_fever_with_redness",
        "Fever 38.3 and redness at day 150 (implant)",
        150,
        facts={**NORMAL_DAY, "temperature_c": 38.3, "wound_redness": True},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "late_fever_diabetic",
        "Isolated fever at day 200 in a diabetic",
        200,
        risk={"diabetes": True},
        facts={**NORMAL_DAY, "temperature_c": 38.2},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "late_fever_steroids",
        "Isolated fever at day 200 on chronic steroids",
        200,
        risk={"steroid_use": True},
        facts={**NORMAL_DAY, "temperature_c": 38.2},
        expect=(("infection", "urgent"),),
    ),
    _v(
        "late_fever_second_checkin",
        "Fever at day 150 and again at the day-151 check-in",
        151,
        facts={**NORMAL_DAY, "temperature_c": 38.3},
        history=(checkin(150, temperature_c=38.4),),
        expect=(("infection", "urgent"),),
    ),
    _v(
        # Changed by issue 14 (finding 3): a fever after instrumentation is at least urgent at
        # any time (this vignette expected routine at day 200).
        "late_fever_weighted",
        "Isolated fever at day 200, no risk factors: weighted, never suppressed",
        200,
        facts={**NORMAL_DAY, "temperature_c": 38.2},
        expect=(("infection", "urgent"),),
        ceiling="urgent",
        sources=("R9", "R11", "R13"),
    ),
    _v(
        "back_pain_keeps_rising",
        "Back pain 3, 4, then 6 over days 12-14",
        14,
        facts={**NORMAL_DAY, "back_pain": 6},
        history=pain_course((12, 3), (13, 4)),
        expect=(("infection", "urgent"),),
    ),
    _v(
        "wound_opening",
        "The incision has opened at one end on day 10",
        10,
        facts={**NORMAL_DAY, "wound_opening": True},
        expect=(("wound_dehiscence", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "new_weakness_day20",
        "New leg weakness on day 20",
        20,
        facts={**NORMAL_DAY, "new_leg_weakness": True},
        expect=(("nerve_injury", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "foot_drop_stockings",
        "Foot slapping on day 25 while wearing stockings",
        25,
        facts={**NORMAL_DAY, "foot_drop": True},
        expect=(("nerve_injury", "urgent"),),
    ),
    _v(
        "new_numbness_day7",
        "New numbness down the leg on day 7",
        7,
        facts={**NORMAL_DAY, "new_leg_numbness": True},
        expect=(("nerve_injury", "urgent"),),
    ),
    _v(
        "llif_hip_flexion_weakness",
        "Weak hip flexion on day 3 after LLIF",
        3,
        technique="llif",
        facts={**NORMAL_DAY, "hip_flexion_weakness": True},
        expect=(("nerve_injury", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "llif_thigh_numbness_with_weakness",
        "Thigh numbness plus hip weakness after LLIF",
        6,
        technique="llif",
        facts={**NORMAL_DAY, "thigh_numbness": True, "hip_flexion_weakness": True},
        expect=(("nerve_injury", "urgent"),),
    ),
    _v(
        "tlif_thigh_numbness",
        "New thigh numbness after open TLIF",
        6,
        facts={**NORMAL_DAY, "thigh_numbness": True},
        expect=(("nerve_injury", "urgent"),),
    ),
    _v(
        "retention_alone",
        "Cannot pass urine on day 2, nothing else",
        2,
        facts={**NORMAL_DAY, "unable_to_urinate": True},
        expect=(("urinary_retention", "urgent"),),
    ),
    _v(
        "calf_pain_day8",
        "Calf pain and swelling on day 8",
        8,
        facts={**NORMAL_DAY, "calf_pain_or_swelling": True},
        expect=(("dvt_pe", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "positional_headache_day2",
        "Headache on sitting up, better lying flat",
        2,
        facts={**NORMAL_DAY, "headache_worse_upright": True, "nausea_vomiting": True},
        expect=(("csf_leak", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "clear_fluid_day17",
        "Clear watery fluid from the wound at day 17",
        17,
        facts={**NORMAL_DAY, "clear_fluid_from_wound": True},
        expect=(("csf_leak", "urgent"),),
    ),
    _v(
        "sudden_pain_pop",
        "Sudden pain with a pop on day 40",
        40,
        facts={**NORMAL_DAY, "sudden_pain_increase": True, "pop_or_click": True},
        expect=(("hardware_failure", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "fall_day20",
        "A fall at home on day 20, feels fine",
        20,
        facts={**NORMAL_DAY, "fall": True},
        expect=(("hardware_failure", "urgent"),),
        ceiling="urgent",
    ),
    _v(
        "new_deformity",
        "A new bulge in the back at day 60",
        60,
        facts={**NORMAL_DAY, "new_deformity": True},
        expect=(("hardware_failure", "urgent"),),
    ),
    _v(
        "sudden_severe_pain",
        "Sudden back pain 8 on day 30",
        30,
        facts={**NORMAL_DAY, "sudden_pain_increase": True, "back_pain": 8},
        expect=(("hardware_failure", "urgent"),),
    ),
    _v(
        "sudden_pain_osteoporosis",
        "Sudden pain (5) at day 45 with osteoporosis",
        45,
        risk={"bone_quality": "osteoporosis"},
        facts={**NORMAL_DAY, "sudden_pain_increase": True, "back_pain": 5},
        expect=(("hardware_failure", "urgent"),),
    ),
    _v(
        "pain_not_controlled",
        "Medication is not controlling the pain on day 4",
        4,
        facts={**NORMAL_DAY, "pain_controlled_by_medication": False, "back_pain": 6},
        expect=(("uncontrolled_pain", "urgent"),),
    ),
    _v(
        "new_severe_pain",
        "Back pain jumped from 4 to 8 since yesterday",
        10,
        facts={**NORMAL_DAY, "back_pain": 8},
        history=pain_course((9, 4)),
        expect=(("uncontrolled_pain", "urgent"),),
    ),
    _v(
        "alif_vomiting_no_gas",
        "ALIF day 3: vomiting and no gas",
        3,
        technique="alif",
        facts={**NORMAL_DAY, "nausea_vomiting": True, "not_passing_gas": True},
        expect=(("ileus", "urgent"),),
    ),
    _v(
        "olif_vomiting_day4",
        "OLIF day 4: vomiting alone",
        4,
        technique="olif",
        facts={**NORMAL_DAY, "nausea_vomiting": True},
        expect=(("ileus", "urgent"),),
    ),
    _v(
        "tlif_distended_day5",
        "Swollen firm belly on day 5 after TLIF",
        5,
        facts={**NORMAL_DAY, "abdominal_swelling": True},
        expect=(("ileus", "urgent"),),
    ),
    _v(
        "no_bm_on_opioids",
        "No bowel movement for 5 days on opioids",
        6,
        facts={**NORMAL_DAY, "opioid_doses_24h": 4, "no_bowel_movement_days": 5},
        expect=(("ileus", "urgent"),),
    ),
    _v(
        "late_new_numbness",
        "New leg numbness at day 500",
        500,
        facts={**NORMAL_DAY, "new_leg_numbness": True},
        expect=(("adjacent_segment", "urgent"), ("nerve_injury", "urgent")),
    ),
    _v(
        "trend_persistent_fever",
        "Fever on days 20 and 21",
        21,
        trend=True,
        history=(checkin(21, temperature_c=38.3), checkin(20, temperature_c=38.1)),
        now=at(21, 12),
        expect=(("infection", "urgent"),),
    ),
    _v(
        "trend_late_persistent_fever",
        "Fever twice at day 150 escalates the late pathway",
        151,
        trend=True,
        history=(checkin(151, temperature_c=38.2), checkin(150, temperature_c=38.5)),
        now=at(151, 12),
        expect=(("infection", "urgent"),),
    ),
    # ----------------------------------------------------------------------- routine
    _v(
        "opioids_day95",
        "Still taking opioids at day 95",
        95,
        facts={**NORMAL_DAY, "opioid_doses_24h": 2},
        expect=(("uncontrolled_pain", "routine"),),
        ceiling="routine",
    ),
    _v(
        "nicotine_day30",
        "Vaping at day 30",
        30,
        risk={"smoking_status": "current"},
        facts={**NORMAL_DAY, "nicotine_use": True},
        expect=(("pseudarthrosis", "routine"),),
        ceiling="routine",
    ),
    _v(
        "constipation_on_opioids",
        "3 days without a bowel movement on opioids",
        5,
        facts={**NORMAL_DAY, "opioid_doses_24h": 3, "no_bowel_movement_days": 3},
        expect=(("ileus", "routine"),),
        ceiling="routine",
    ),
    _v(
        "stable_severe_pain",
        "Pain 7, the same as yesterday, controlled",
        12,
        facts={**NORMAL_DAY, "back_pain": 7},
        history=pain_course((11, 7)),
        expect=(("uncontrolled_pain", "routine"),),
        ceiling="routine",
    ),
    _v(
        "late_new_leg_pain",
        "Leg pain up from 1 to 4 at day 600",
        600,
        facts={**NORMAL_DAY, "leg_pain": 4},
        history=(checkin(560, **NORMAL_DAY),),
        expect=(("adjacent_segment", "routine"),),
        ceiling="routine",
    ),
    _v(
        "trend_pain_returns",
        "Pain improved to 2, then back to 4-5 after month 4",
        150,
        trend=True,
        history=pain_course((7, 7), (14, 5), (30, 3), (60, 2), (90, 2), (120, 4), (140, 5)),
        now=at(150),
        expect=(("pseudarthrosis", "routine"),),
        ceiling="routine",
    ),
    _v(
        "trend_pain_rising_month4",
        "Pain 2, 3, 5 over three weekly logs after month 3",
        115,
        trend=True,
        history=pain_course((100, 2), (107, 3), (114, 5)),
        now=at(115),
        expect=(("pseudarthrosis", "routine"),),
        ceiling="routine",
    ),
    _v(
        "trend_pain_persisting_12m",
        "Pain 5 at day 370 and 380",
        381,
        trend=True,
        history=pain_course((370, 5), (380, 5)),
        now=at(381),
        expect=(("pseudarthrosis", "routine"),),
        ceiling="routine",
    ),
    _v(
        "trend_silence_day10",
        "Last check-in on day 5, now day 10",
        10,
        trend=True,
        history=pain_course((3, 4), (5, 3)),
        now=at(10),
        expect=(("silence", "routine"),),
        ceiling="routine",
    ),
    _v(
        "trend_never_checked_in",
        "No check-in at all by day 4",
        4,
        trend=True,
        now=at(4),
        expect=(("silence", "routine"),),
        ceiling="routine",
    ),
)
