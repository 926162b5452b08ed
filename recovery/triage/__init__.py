"""Pure-Python triage engine for symptom check-ins (no Django, no clock).

Public API:
    load_ruleset(path=None, *, emergency_number="911") -> RuleSet
                                                  packaged rules.yaml by default, cached
    evaluate(ruleset, *, checkin, context, history, now) -> list[Finding]
    evaluate_trends(ruleset, *, context, history, now, last_checkin_at) -> list[Finding]
    most_severe_per_category(findings) -> list[Finding]
"""

from .engine import (
    SEVERITY_ORDER,
    Finding,
    evaluate,
    evaluate_trends,
    max_severity,
    most_severe_per_category,
    severity_at_least,
    severity_rank,
)
from .facts import FACTS, CheckinError, NormalisedCheckin, TriageContext, checkin_normalise
from .loader import (
    DEFAULT_EMERGENCY_NUMBER,
    DEFAULT_RULES_PATH,
    EMERGENCY_NUMBER_PLACEHOLDER,
    RuleSet,
    RuleSetError,
    clear_ruleset_cache,
    load_ruleset,
    ruleset_from_mapping,
    ruleset_from_text,
)
from .spec import CATEGORIES, SEVERITIES

__all__ = [
    "CATEGORIES",
    "DEFAULT_EMERGENCY_NUMBER",
    "DEFAULT_RULES_PATH",
    "EMERGENCY_NUMBER_PLACEHOLDER",
    "FACTS",
    "SEVERITIES",
    "SEVERITY_ORDER",
    "CheckinError",
    "Finding",
    "NormalisedCheckin",
    "RuleSet",
    "RuleSetError",
    "TriageContext",
    "checkin_normalise",
    "clear_ruleset_cache",
    "evaluate",
    "evaluate_trends",
    "load_ruleset",
    "max_severity",
    "most_severe_per_category",
    "ruleset_from_mapping",
    "ruleset_from_text",
    "severity_at_least",
    "severity_rank",
]
