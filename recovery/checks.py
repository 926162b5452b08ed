"""System checks for the clinical content: a broken data file fails `manage.py check`."""

from typing import Any

from django.core.checks import Error, register

from recovery.pathways import PathwayError, clear_cache, load_pathways
from recovery.plan_selectors import pathway_directory
from recovery.services.triage_facts import triage_ruleset
from recovery.triage import RuleSetError


@register()
def check_triage_rules(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The triage rule set in force loads and validates (recovery.E001)."""
    try:
        triage_ruleset()  # cached per file version, so an edit made since startup is seen
    except RuleSetError as exc:
        return [
            Error(
                "The triage rules file does not load; check-ins cannot be triaged.",
                hint="\n".join(exc.problems[:20]),
                obj=exc.origin,
                id="recovery.E001",
            )
        ]
    return []


@register()
def check_pathway_templates(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Every pathway template loads and validates (recovery.E002)."""
    clear_cache()  # a check run re-reads the files, so an edit made since startup is seen
    try:
        load_pathways(pathway_directory())
    except PathwayError as exc:
        return [
            Error(
                f"Pathway template: {problem}",
                hint="Fix the file in recovery/pathways/ (see schema.py for the shape).",
                id="recovery.E002",
            )
            for problem in exc.problems
        ]
    return []
