"""Who the simulated patients are: case mix, risk factors and complications.

Where REFERENCE.md gives a rate, the constant cites it. Where it gives none (national mixes of
technique, age, smoking, diabetes and bone quality are not in the sources), the value is a
documented project default, marked `no source`, chosen to look like a general spine service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (technique, approach, weight). No source gives a national technique mix: project default.
# The approach follows the technique (MIS-TLIF and the lateral/oblique corridors are
# minimally invasive; PLF, PLIF, open TLIF and ALIF are open), as in seed_demo.
TECHNIQUE_MIX: tuple[tuple[str, str, float], ...] = (
    ("tlif", "open", 0.28),
    ("mis_tlif", "mis", 0.25),
    ("plf", "open", 0.15),
    ("plif", "open", 0.10),
    ("llif", "mis", 0.10),
    ("alif", "open", 0.07),
    ("olif", "mis", 0.05),
)
INDICATION_MIX = (  # no source: project default
    ("spondylolisthesis", 0.40),
    ("stenosis", 0.25),
    ("ddd", 0.20),
    ("instability", 0.10),
    ("other", 0.05),
)
SEX_MIX = (("female", 0.55), ("male", 0.44), ("other", 0.01))  # no source
AGE_MEAN, AGE_SD, AGE_RANGE = 62.0, 10.0, (30, 88)  # no source: typical fusion cohort
SMOKING_MIX = (("never", 0.55), ("former", 0.30), ("current", 0.15))  # no source
DIABETES_RATE = 0.18  # no source
HBA1C_DIABETIC = (7.2, 1.0)  # mean, sd; R19/R20 use 6.9 and 8.0 as risk cut-offs
BMI = (29.5, 5.0)  # no source; R16/R21 flag >= 30 / 35 / 40
BONE_MIX = (("normal", 0.45), ("osteopenia", 0.25), ("osteoporosis", 0.10), ("unknown", 0.20))
STEROID_RATE = 0.03  # no source
# Braces are optional after fusion (no difference in outcome: R92, R93; not needed after
# MIS-TLIF: R91), so fewer MIS patients get one. Rates: project default.
BRACE_RATE = {"open": 0.30, "mis": 0.05}
# Share of days a patient checks in: engaged / average / patchy. No source: project default.
ENGAGEMENT_MIX = ((0.95, 0.5), (0.80, 0.3), (0.50, 0.2))

# ---- complications: (base probability, onset window in postop days) ----------------------
# SSI: 0.3-1.3% MIS vs open [R13], 0.5% vs 3.3% [R14], 0.9-2.2% overall [R15][R16]; the
# defaults sit mid-range. Onset days 7-30 (infection peaks days 10-30 [R4][R5][R12][R13]).
INFECTION_RATE = {"mis": 0.005, "open": 0.02}
INFECTION_ONSET = (7, 30)
DIABETES_INFECTION_RR = 2.19  # [R17]
# New leg weakness after posterior fusion: 0.74% needed reoperation, onset days 1-9 [R33];
# 1% counts the milder cases too (root injury 0.6-24% after PLIF [R36]).
NERVE_RATE_POSTERIOR = 0.01
NERVE_ONSET = (1, 9)
# Lateral corridor (LLIF/OLIF): thigh pain or numbness 20-40% [R27]; motor deficit 5.5% when
# L4-L5 is not included [R28]. Onset right after surgery.
THIGH_NUMBNESS_RATE_LATERAL = 0.25
HIP_WEAKNESS_RATE_LATERAL = 0.055
LATERAL_ONSET = (0, 2)
# Hardware failure about 4% [R137], 90% of them within 6 months [R24]. Osteoporosis raises
# screw loosening [R132][R134] without a pooled ratio: x1.5 is a project default.
HARDWARE_RATE = 0.04
HARDWARE_ONSET = (14, 180)
OSTEOPOROSIS_HARDWARE_RR = 1.5
# Non-union about 9% (mean fusion 91.4% [R116]); smoking RR 1.91 [R95]; diabetes 8.5% vs
# 4.5% [R131], about x1.9. Pain returns after an initial improvement from month 3-4 [R22][R25].
NONUNION_RATE = 0.09
NONUNION_ONSET = (100, 300)
SMOKING_NONUNION_RR = 1.91
DIABETES_NONUNION_RR = 1.9
# Cauda equina after fusion: no rate in the sources. 0.1% is a project default so that a
# large cohort shows the rare emergency path.
CAUDA_EQUINA_RATE = 0.001
CAUDA_EQUINA_ONSET = (0, 7)
# Opioid use beyond the usual taper: no cohort rate in the sources (R64 gives OR 2.73 for
# smokers). 8% (x2.73 for smokers, capped) is a project default.
PROLONGED_OPIOID_RATE = 0.08
SMOKING_OPIOID_OR = 2.73

# Length of stay: about 2 days shorter after MIS [R138][R139]; the ranges are a default.
LENGTH_OF_STAY = {"mis": (1, 3), "open": (3, 5)}
# Smokers who quit for surgery: 60% relapse by 4 months, 68% by a year [R99].
NICOTINE_RELAPSE_RATE = 0.6
NICOTINE_RELAPSE_DAYS = (14, 120)

# How many days each complication's symptoms last in the reports (no source: project default).
DURATION = {
    "infection": 10,
    "nerve": 14,
    "thigh_numbness": 21,
    "hip_weakness": 21,
    "hardware": 7,
    "nonunion": 10_000,  # lasts until revised: beyond any simulation
    "cauda_equina": 2,
}

TIMEZONES = (
    "America/New_York",
    "Europe/London",
    "America/Chicago",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/Berlin",
)


@dataclass(frozen=True)
class Complication:
    kind: str
    onset_day: int
    duration_days: int

    def active_on(self, day: int) -> bool:
        return self.onset_day <= day < self.onset_day + self.duration_days


@dataclass(frozen=True)
class Profile:
    """One patient's baseline, sampled once: enough to build the rows and the trajectory."""

    age: int
    sex: str
    smoking_status: str
    diabetes: bool
    hba1c: float | None
    bmi: float
    bone_quality: str
    t_score: float | None
    steroid_use: bool
    technique: str
    approach: str
    indication: str
    brace_prescribed: bool
    engagement: float
    prolonged_opioids: bool
    length_of_stay: int
    nicotine_relapse_day: int | None  # current smokers who quit for surgery, then relapse
    complications: tuple[Complication, ...]

    @property
    def lateral(self) -> bool:
        return self.technique in ("llif", "olif")


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights=weights)[0]


def _bounded_gauss(rng: random.Random, mean: float, sd: float, low: float, high: float) -> float:
    return min(high, max(low, rng.gauss(mean, sd)))


def _t_score(rng: random.Random, bone_quality: str) -> float | None:
    # WHO bands: osteoporosis <= -2.5, osteopenia -1.0 to -2.5.
    if bone_quality == "osteoporosis":
        return round(rng.uniform(-4.0, -2.5), 1)
    if bone_quality == "osteopenia":
        return round(rng.uniform(-2.4, -1.1), 1)
    if bone_quality == "normal":
        return round(rng.uniform(-0.9, 1.5), 1)
    return None


def _maybe(
    rng: random.Random, rate: float, kind: str, onset: tuple[int, int]
) -> list[Complication]:
    if rng.random() >= min(rate, 1.0):
        return []
    return [Complication(kind, rng.randint(*onset), DURATION[kind])]


def _complications(
    rng: random.Random, *, approach: str, technique: str, diabetes: bool, smoking: str, bone: str
) -> tuple[Complication, ...]:
    lateral = technique in ("llif", "olif")
    found: list[Complication] = []
    infection = INFECTION_RATE[approach] * (DIABETES_INFECTION_RR if diabetes else 1.0)
    found += _maybe(rng, infection, "infection", INFECTION_ONSET)
    if lateral:
        found += _maybe(rng, THIGH_NUMBNESS_RATE_LATERAL, "thigh_numbness", LATERAL_ONSET)
        found += _maybe(rng, HIP_WEAKNESS_RATE_LATERAL, "hip_weakness", LATERAL_ONSET)
    else:
        found += _maybe(rng, NERVE_RATE_POSTERIOR, "nerve", NERVE_ONSET)
    hardware = HARDWARE_RATE * (OSTEOPOROSIS_HARDWARE_RR if bone == "osteoporosis" else 1.0)
    found += _maybe(rng, hardware, "hardware", HARDWARE_ONSET)
    nonunion = NONUNION_RATE
    nonunion *= SMOKING_NONUNION_RR if smoking == "current" else 1.0
    nonunion *= DIABETES_NONUNION_RR if diabetes else 1.0
    found += _maybe(rng, nonunion, "nonunion", NONUNION_ONSET)
    found += _maybe(rng, CAUDA_EQUINA_RATE, "cauda_equina", CAUDA_EQUINA_ONSET)
    return tuple(found)


def sample_profile(rng: random.Random) -> Profile:
    technique, approach, _ = rng.choices(TECHNIQUE_MIX, weights=[w for *_, w in TECHNIQUE_MIX])[0]
    smoking = _pick(rng, SMOKING_MIX)
    diabetes = rng.random() < DIABETES_RATE
    bone = _pick(rng, BONE_MIX)
    engagement = rng.choices(
        [e for e, _ in ENGAGEMENT_MIX], weights=[w for _, w in ENGAGEMENT_MIX]
    )[0]
    opioid_rate = PROLONGED_OPIOID_RATE * (SMOKING_OPIOID_OR if smoking == "current" else 1.0)
    return Profile(
        age=round(_bounded_gauss(rng, AGE_MEAN, AGE_SD, *AGE_RANGE)),
        sex=_pick(rng, SEX_MIX),
        smoking_status=smoking,
        diabetes=diabetes,
        hba1c=round(_bounded_gauss(rng, *HBA1C_DIABETIC, 5.5, 12.0), 1) if diabetes else None,
        bmi=round(_bounded_gauss(rng, *BMI, 17.0, 55.0), 1),
        bone_quality=bone,
        t_score=_t_score(rng, bone),
        steroid_use=rng.random() < STEROID_RATE,
        technique=technique,
        approach=approach,
        indication=_pick(rng, INDICATION_MIX),
        brace_prescribed=rng.random() < BRACE_RATE[approach],
        engagement=engagement,
        prolonged_opioids=rng.random() < min(opioid_rate, 0.5),
        length_of_stay=rng.randint(*LENGTH_OF_STAY[approach]),
        nicotine_relapse_day=(
            rng.randint(*NICOTINE_RELAPSE_DAYS)
            if smoking == "current" and rng.random() < NICOTINE_RELAPSE_RATE
            else None
        ),
        complications=_complications(
            rng,
            approach=approach,
            technique=technique,
            diabetes=diabetes,
            smoking=smoking,
            bone=bone,
        ),
    )
