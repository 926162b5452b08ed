"""Every rule that fired on a flag: its history of findings, with the facts each one saw.

A flag's headline (rule, advice, severity) is its most severe finding; this table keeps all
of them, so "38.9 °C + pus + chills" records the fever, the pus and the chills, not only the
rule that won the tie. A finding is recorded once per flag: the same rule at the same
severity firing again on a later check-in is a repeat, not news (the check-in is still linked
to the flag). "Has this rule fired on this flag" is the unique key below.
"""

from django.db import models

from recovery.models.flags import Flag


class FlagFinding(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=100)
    rule_version = models.PositiveIntegerField()
    ruleset_version = models.PositiveIntegerField(default=0)
    severity = models.CharField(max_length=10, choices=Flag.Severity.choices)
    facts = models.JSONField(default=dict)  # exactly the facts the rule looked at
    # The check-in it came from; NULL for a trend finding (or a check-in erased since).
    checkin = models.ForeignKey(
        "recovery.CheckIn", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()  # when the server recorded it

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "rule_id", "severity"], name="flag_finding_once_per_flag"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=["routine", "urgent", "emergency"]),
                name="flag_finding_severity_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Finding {self.rule_id} on flag {self.flag_id}"
