"""Pydantic models for the triage rule DSL: a small, closed vocabulary of condition nodes.

Every condition is a YAML mapping whose key names its kind:

    {fact: temperature_c, gte: {param: fever_threshold_c}}   comparison on a check-in fact
    {is_true: chills}                                         a boolean fact was reported true
    {all: [...]}, {any: [...]}, {not: {...}}                  boolean nesting
    {at_least: {count: 2, of: [...]}}                         k of n sub-conditions hold
    {postop_day: {gte: 0, lte: 90}}                           post-operative-day window
    {technique_in: [llif, olif]}, {approach_in: [open]}       operation filters
    {risk_factor_any: [diabetes, steroid_use]}                risk-factor filter on the context
    {rising: {fact, by, over_last, within_days?, monotonic?}} trend over the last N check-ins
    {falling: {...}}                                          the mirror image
    {rebound: {fact, by, improved_by, sustained, over_last, within_days?}}
                                                              worse again after an improvement
    {count: {where, at_least, over_last, within_days?}}       check-ins meeting a condition
    {window_max: {fact, over_last, gte|gt|lte|lt: v}}         max/min over the last N check-ins
    {window_min: {...}}
    {days_since_last_checkin: {gte: ...}}                     silence
    {not_reported: temperature_c}                             the question was not answered
                                                              (unknown, which is never "normal")
    {previous: {...}}                                         a one-check-in condition on the
                                                              patient's previous report (an
                                                              empty report if there is none)
    {follow_up: {default_days: ...}}                          within the follow-up window: the
                                                              pathway's (context) or the default

Numbers may be literals or `{param: name}` references to the rule set's `parameters:` block.
Semantic checks (known facts, parameter types, categories, sources) live in loader.py so that
every problem in a file is reported at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

from recovery.clinical_text import Translations

from .facts import APPROACHES, RISK_FACTORS, TECHNIQUES

CATEGORIES = (
    "infection",
    "hardware_failure",
    "nerve_injury",
    "cauda_equina",
    "dvt_pe",
    "csf_leak",
    "urinary_retention",
    "wound_dehiscence",
    "uncontrolled_pain",
    "ileus",
    "pseudarthrosis",
    "adjacent_segment",
    # Not a complication: the patient stopped checking in during the high-risk weeks. It needs
    # its own code so a missed check-in is never filed under a diagnosis it is not.
    "silence",
)
SEVERITIES = ("routine", "urgent", "emergency")  # ascending
KINDS = ("checkin", "trend")
COMPARISON_OPS = ("eq", "ne", "gte", "gt", "lte", "lt", "in")
BOUND_OPS = ("gte", "gt", "lte", "lt")

Technique = Literal["plf", "plif", "tlif", "mis_tlif", "llif", "alif", "olif"]
Approach = Literal["open", "mis"]
RiskFactor = Literal["current_smoker", "diabetes", "osteoporosis", "steroid_use"]
assert set(Technique.__args__) == set(TECHNIQUES)  # type: ignore[attr-defined]
assert set(Approach.__args__) == set(APPROACHES)  # type: ignore[attr-defined]
assert set(RiskFactor.__args__) == set(RISK_FACTORS)  # type: ignore[attr-defined]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ParamRef(_Node):
    param: str


# Strict types: "38" or `yes` in YAML must not quietly become a number or a boolean.
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Number = ParamRef | StrictInt | StrictFloat
Count = ParamRef | Annotated[StrictInt, Field(ge=1)]
Value = ParamRef | StrictBool | StrictInt | StrictFloat | StrictStr


def _exactly_one(node: BaseModel, ops: tuple[str, ...], where: str) -> None:
    given = [op for op in ops if getattr(node, "in_" if op == "in" else op) is not None]
    if len(given) != 1:
        raise ValueError(f"{where} needs exactly one of {', '.join(ops)}; got {given or 'none'}")


class Compare(_Node):
    fact: str
    eq: Value | None = None
    ne: Value | None = None
    gte: Number | None = None
    gt: Number | None = None
    lte: Number | None = None
    lt: Number | None = None
    in_: list[Scalar] | ParamRef | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_operator(self) -> Compare:
        _exactly_one(self, COMPARISON_OPS, "a comparison")
        return self

    @property
    def op(self) -> str:
        return next(op for op in COMPARISON_OPS if self.operand_for(op) is not None)

    @property
    def operand(self) -> Any:
        return self.operand_for(self.op)

    def operand_for(self, op: str) -> Any:
        return self.in_ if op == "in" else getattr(self, op)


class Bounds(_Node):
    """Inclusive/exclusive bounds; every bound given must hold."""

    gte: Number | None = None
    gt: Number | None = None
    lte: Number | None = None
    lt: Number | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Bounds:
        if all(getattr(self, op) is None for op in BOUND_OPS):
            raise ValueError("bounds need at least one of gte, gt, lte, lt")
        return self

    def items(self) -> list[tuple[str, Number]]:
        return [(op, getattr(self, op)) for op in BOUND_OPS if getattr(self, op) is not None]


class IsTrue(_Node):
    is_true: str


class All(_Node):
    all: list[Condition] = Field(min_length=1)


class Any_(_Node):
    any: list[Condition] = Field(min_length=1)


class Not(_Node):
    not_: Condition = Field(alias="not")


class AtLeastSpec(_Node):
    count: Annotated[int, Field(ge=1)]
    of: list[Condition] = Field(min_length=1)


class AtLeast(_Node):
    at_least: AtLeastSpec


class PostopDay(_Node):
    postop_day: Bounds


class TechniqueIn(_Node):
    technique_in: list[Technique] = Field(min_length=1)


class ApproachIn(_Node):
    approach_in: list[Approach] = Field(min_length=1)


class RiskFactorAny(_Node):
    risk_factor_any: list[RiskFactor] = Field(min_length=1)


class TrendSpec(_Node):
    fact: str
    by: Number
    over_last: Count
    within_days: Number | None = None
    monotonic: bool = True


class Rising(_Node):
    rising: TrendSpec


class Falling(_Node):
    falling: TrendSpec


class ReboundSpec(_Node):
    fact: str
    by: Number
    improved_by: Number
    sustained: Count
    over_last: Count
    within_days: Number | None = None


class Rebound(_Node):
    rebound: ReboundSpec


class CountSpec(_Node):
    where: Condition
    at_least: Count
    over_last: Count
    within_days: Number | None = None


class CountOf(_Node):
    count: CountSpec


class WindowSpec(_Node):
    fact: str
    over_last: Count
    within_days: Number | None = None
    gte: Number | None = None
    gt: Number | None = None
    lte: Number | None = None
    lt: Number | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> WindowSpec:
        _exactly_one(self, BOUND_OPS, "a window comparison")
        return self

    @property
    def op(self) -> str:
        return next(op for op in BOUND_OPS if getattr(self, op) is not None)


class WindowMax(_Node):
    window_max: WindowSpec


class WindowMin(_Node):
    window_min: WindowSpec


class DaysSinceLastCheckin(_Node):
    days_since_last_checkin: Bounds


class NotReported(_Node):
    not_reported: str


class Previous(_Node):
    previous: Condition


class FollowUpSpec(_Node):
    default_days: Number


class FollowUp(_Node):
    follow_up: FollowUpSpec


# Tag -> model. The tag is the key that names the node; comparisons are tagged by `fact`.
NODE_TYPES: dict[str, type[_Node]] = {
    "fact": Compare,
    "is_true": IsTrue,
    "all": All,
    "any": Any_,
    "not": Not,
    "at_least": AtLeast,
    "postop_day": PostopDay,
    "technique_in": TechniqueIn,
    "approach_in": ApproachIn,
    "risk_factor_any": RiskFactorAny,
    "rising": Rising,
    "falling": Falling,
    "rebound": Rebound,
    "count": CountOf,
    "window_max": WindowMax,
    "window_min": WindowMin,
    "days_since_last_checkin": DaysSinceLastCheckin,
    "not_reported": NotReported,
    "previous": Previous,
    "follow_up": FollowUp,
}
# Nodes that read one check-in only; the only kinds allowed inside `count.where`.
CHECKIN_LEVEL_NODES = (Compare, IsTrue, All, Any_, Not, AtLeast, NotReported)


def _node_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((tag for tag in NODE_TYPES if tag in value), None)
    for tag, model in NODE_TYPES.items():
        if isinstance(value, model):
            return tag
    return None


if TYPE_CHECKING:
    # mypy cannot evaluate a union built at run time; every member of it is a _Node.
    Condition: TypeAlias = _Node
else:
    Condition = Annotated[
        # Built from the registry so a new node type cannot be forgotten in the union.
        Union[tuple(Annotated[model, Tag(tag)] for tag, model in NODE_TYPES.items())],  # noqa: UP007
        Discriminator(
            _node_tag,
            custom_error_type="unknown_condition",
            custom_error_message=f"a condition must be a mapping with one of the keys "
            f"{list(NODE_TYPES)}",
        ),
    ]

for _model in (All, Any_, Not, AtLeastSpec, CountSpec, Previous):
    _model.model_rebuild()


class ParameterSpec(_Node):
    value: StrictInt | StrictFloat
    unit: str | None = None
    sources: list[str] = []
    note: str = ""
    # True where REFERENCE.md marks the value [VERIFY] or gives no number: clinician sign-off due.
    verify: bool = False


class RuleSpec(_Node):
    id: str = Field(pattern=r"^[a-z][a-z_]*\.[a-z0-9_]+$")
    version: Annotated[int, Field(ge=1)]
    category: str
    severity: str
    kind: str
    when: Condition
    advice: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    sources: list[str] = []
    # issue 19: the advice in other languages, each reviewed on its own (recovery.clinical_text).
    # The rationale is for clinicians and stays in English.
    translations: Translations = {}


# The fields of a rule a patient reads (recovery.E005 wants each in every supported language).
PATIENT_FACING_FIELDS = ("advice",)


class RuleFileSpec(_Node):
    """The top level of rules.yaml; rules are validated one by one so errors carry their id."""

    version: Annotated[int, Field(ge=1)]
    parameters: dict[str, ParameterSpec] = {}
    rules: list[dict[str, Any]] = Field(min_length=1)
