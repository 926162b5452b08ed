"""System checks for the clinical content: a broken data file fails `manage.py check`."""

from typing import Any

from django.core.checks import Error, register


@register()
def check_triage_rules(app_configs: Any, **kwargs: Any) -> list[Error]:
    from recovery.services.triage_facts import triage_ruleset
    from recovery.triage import RuleSetError

    try:
        triage_ruleset()
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
