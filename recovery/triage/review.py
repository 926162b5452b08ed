"""The rule set in plain words, for the clinician who signs it off (docs/clinical-review.md).

`render_review_tables(ruleset)` turns every rule and parameter into a Markdown table row:
conditions in words, advice as the patient reads it (with the `{emergency_number}`
placeholder kept, since the number is a deployment setting), sources and what still needs
verification. `python manage.py clinical_review --write` puts it between the generated-section
markers of the document; `--check` fails when the committed file no longer matches rules.yaml.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import spec
from .loader import RuleSet, referenced_parameters

BEGIN_MARKER = "<!-- BEGIN GENERATED: python manage.py clinical_review --write -->"
END_MARKER = "<!-- END GENERATED -->"

_OPS = {"eq": "=", "ne": "≠", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "in": "is one of"}
_TECHNIQUES = {
    "plf": "PLF",
    "plif": "PLIF",
    "tlif": "open TLIF",
    "mis_tlif": "MIS-TLIF",
    "llif": "LLIF/XLIF",
    "alif": "ALIF",
    "olif": "OLIF",
}


def _fact(name: str) -> str:
    return name.removesuffix("_c").replace("_", " ")


class _Describer:
    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    def value(self, operand: Any) -> str:
        if isinstance(operand, spec.ParamRef):
            parameter = self.ruleset.parameters[operand.param]
            unit = " °C" if parameter.unit == "celsius" else ""
            return f"{parameter.value:g}{unit} [{operand.param}]"
        if isinstance(operand, bool):
            return "yes" if operand else "no"
        if isinstance(operand, float | int):
            return f"{operand:g}"
        if isinstance(operand, list):
            return " or ".join(f'"{item}"' for item in operand)
        return f'"{operand}"'

    def bounds(self, subject: str, bounds: spec.Bounds) -> str:
        return " and ".join(f"{subject} {_OPS[op]} {self.value(v)}" for op, v in bounds.items())

    def group(self, joiner: str, nodes: list[Any]) -> str:
        parts = [self.describe(node) for node in nodes]
        return parts[0] if len(parts) == 1 else "(" + f" {joiner} ".join(parts) + ")"

    def window(self, over_last: Any, within_days: Any) -> str:
        text = f"the last {self.value(over_last)} reports"
        return text + (f" within {self.value(within_days)} days" if within_days else "")

    def describe(self, node: Any) -> str:  # one case per node type
        if isinstance(node, spec.Compare):
            op = node.op
            if op == "eq" and isinstance(node.operand, bool):
                return f"{_fact(node.fact)}: {'yes' if node.operand else 'no'}"
            return f"{_fact(node.fact)} {_OPS[op]} {self.value(node.operand)}"
        if isinstance(node, spec.IsTrue):
            return f"{_fact(node.is_true)}: yes"
        if isinstance(node, spec.All):
            return self.group("AND", node.all)
        if isinstance(node, spec.Any_):
            return self.group("OR", node.any)
        if isinstance(node, spec.Not):
            return f"NOT {self.describe(node.not_)}"
        if isinstance(node, spec.AtLeast):
            parts = "; ".join(self.describe(n) for n in node.at_least.of)
            return f"at least {node.at_least.count} of ({parts})"
        if isinstance(node, spec.PostopDay):
            return self.bounds("post-op day", node.postop_day)
        if isinstance(node, spec.TechniqueIn):
            return "technique " + " or ".join(_TECHNIQUES[t] for t in node.technique_in)
        if isinstance(node, spec.ApproachIn):
            return "approach " + " or ".join(node.approach_in)
        if isinstance(node, spec.RiskFactorAny):
            return "risk factor " + " or ".join(f.replace("_", " ") for f in node.risk_factor_any)
        if isinstance(node, spec.Rising | spec.Falling):
            trend = node.rising if isinstance(node, spec.Rising) else node.falling
            verb = "risen" if isinstance(node, spec.Rising) else "fallen"
            steady = ", step by step" if trend.monotonic else ""
            return (
                f"{_fact(trend.fact)} {verb} by ≥ {self.value(trend.by)} over "
                f"{self.window(trend.over_last, trend.within_days)}{steady}"
            )
        if isinstance(node, spec.Rebound):
            r = node.rebound
            return (
                f"{_fact(r.fact)} ≥ {self.value(r.by)} above the patient's best on the last "
                f"{self.value(r.sustained)} reports, after improving by ≥ "
                f"{self.value(r.improved_by)} (looking at {self.window(r.over_last, None)})"
            )
        if isinstance(node, spec.CountOf):
            c = node.count
            return (
                f"at least {self.value(c.at_least)} of {self.window(c.over_last, c.within_days)}"
                f" with {self.describe(c.where)}"
            )
        if isinstance(node, spec.WindowMax | spec.WindowMin):
            w = node.window_max if isinstance(node, spec.WindowMax) else node.window_min
            which = "highest" if isinstance(node, spec.WindowMax) else "lowest"
            return (
                f"{which} {_fact(w.fact)} over {self.window(w.over_last, w.within_days)} "
                f"{_OPS[w.op]} {self.value(getattr(w, w.op))}"
            )
        if isinstance(node, spec.DaysSinceLastCheckin):
            return self.bounds("days since the last check-in", node.days_since_last_checkin)
        if isinstance(node, spec.NotReported):
            return f"{_fact(node.not_reported)} not answered (unknown)"
        if isinstance(node, spec.Previous):
            return f"previous report: {self.describe(node.previous)}"
        if isinstance(node, spec.FollowUp):
            return (
                "within the follow-up window (the pathway's, else "
                f"{self.value(node.follow_up.default_days)} days)"
            )
        raise TypeError(f"no description for {node!r}")


def _conditions(describe: Callable[[Any], str], node: Any) -> str:
    text = describe(node)
    # The outermost group needs no brackets.
    if isinstance(node, spec.All | spec.Any_) and text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _verify(ruleset: RuleSet, rule: spec.RuleSpec) -> str:
    reasons = []
    if "[VERIFY]" in rule.rationale:
        reasons.append("rule")
    params = sorted(
        name for name in referenced_parameters(rule.when) if ruleset.parameters[name].verify
    )
    reasons.extend(params)
    return "VERIFY: " + ", ".join(reasons) if reasons else "sourced"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)
    return lines


def render_review_tables(ruleset: RuleSet) -> str:
    """The generated section of docs/clinical-review.md (markers included), ending in a newline."""
    describe: Callable[[Any], str] = _Describer(ruleset).describe
    rule_rows = [
        [
            f"`{rule.id}`",
            str(rule.version),
            rule.category,
            rule.severity.upper(),
            ("(trend sweep) " if rule.kind == "trend" else "") + _conditions(describe, rule.when),
            rule.advice,
            ", ".join(rule.sources),
            _verify(ruleset, rule),
        ]
        for rule in ruleset.rules
    ]
    parameter_rows = [
        [
            f"`{name}`",
            f"{parameter.value:g}",
            parameter.unit or "",
            ", ".join(parameter.sources),
            "VERIFY" if parameter.verify else "sourced",
            parameter.note,
        ]
        for name, parameter in ruleset.parameters.items()
    ]
    counts = {s: sum(1 for r in ruleset.rules if r.severity == s) for s in spec.SEVERITIES}
    lines = [
        BEGIN_MARKER,
        "",
        f"## Rule table (rule set version {ruleset.version}, {len(ruleset.rules)} rules: "
        + ", ".join(f"{counts[s]} {s}" for s in reversed(spec.SEVERITIES))
        + ")",
        "",
        "Generated from `recovery/triage/rules.yaml`; do not edit by hand. Conditions: AND/OR/NOT "
        "as written in the rule; a question left unanswered never matches a comparison (only "
        "an explicit `not answered` condition reads it). `[name]` is a parameter (table below). "
        "`{emergency_number}` is the deployment's `EMERGENCY_NUMBER` setting (911 by default; "
        "112 or 999 elsewhere).",
        "",
        *_table(
            [
                "Rule id",
                "Version",
                "Category",
                "Severity",
                "Conditions",
                "Advice to the patient",
                "Sources",
                "Status",
            ],
            rule_rows,
        ),
        "",
        "## Parameters",
        "",
        *_table(["Parameter", "Value", "Unit", "Sources", "Status", "Note"], parameter_rows),
        "",
        END_MARKER,
        "",
    ]
    return "\n".join(lines)


def document_with_review_tables(document: str, ruleset: RuleSet) -> str:
    """`document` with its generated section replaced (appended when it has none)."""
    generated = render_review_tables(ruleset)
    if BEGIN_MARKER in document and END_MARKER in document:
        before = document.split(BEGIN_MARKER, 1)[0]
        after = document.split(END_MARKER, 1)[1].lstrip("\n")
        return before + generated + after
    return document.rstrip("\n") + "\n\n" + generated
