"""The answers that are emergencies on their own, read from the rule set (issue 20).

The patient app caches this list so that it can show the emergency screen at once, even
offline. It is derived from the rules in force, never written by hand: a check-in rule of
severity `emergency` whose condition is one `is_true` fact, or an `any` of such facts (nested
`any` included), makes each of those facts an emergency answer. Rules that also need a day,
a technique or a second answer are left to the server.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from recovery.triage import spec
from recovery.triage.loader import RuleSet


@dataclass(frozen=True)
class EmergencyAnswer:
    fact: str
    rule_id: str
    category: str
    advice: str


def _lone_facts(node: Any) -> list[str] | None:
    """The facts that each satisfy `node` alone, or None when it needs more than one answer."""
    if isinstance(node, spec.IsTrue):
        return [node.is_true]
    if isinstance(node, spec.Any_):
        found: list[str] = []
        for child in node.any:
            facts = _lone_facts(child)
            if facts is None:
                return None
            found.extend(facts)
        return found
    return None


def emergency_answers(ruleset: RuleSet) -> list[EmergencyAnswer]:
    """One entry per fact (its first rule in file order), sorted by fact name."""
    found: dict[str, EmergencyAnswer] = {}
    for rule in ruleset.rules_of_kind("checkin"):
        if rule.severity != "emergency":
            continue
        for fact in _lone_facts(rule.when) or []:
            found.setdefault(
                fact,
                EmergencyAnswer(
                    fact=fact,
                    rule_id=rule.id,
                    category=rule.category,
                    advice=ruleset.advice[rule.id],
                ),
            )
    return [found[name] for name in sorted(found)]


def emergency_answers_version(ruleset: RuleSet, answers: list[EmergencyAnswer]) -> str:
    """`<rule set version>-<digest>`: changes whenever the list or its advice changes."""
    payload = json.dumps(
        [[a.fact, a.rule_id, a.advice] for a in answers], separators=(",", ":")
    ).encode()
    return f"{ruleset.version}-{hashlib.sha256(payload).hexdigest()[:12]}"
