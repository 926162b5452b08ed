"""Dashboard forms: sign-in, worklist filters, flag handling, time-zone choice."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from recovery.dashboard.timezones import known_zones
from recovery.models import CareTeam, Flag
from recovery.models.flags import FLAG_CATEGORIES
from recovery.selectors import is_clinician
from recovery.triage.spec import SEVERITIES


def label_for(code: str) -> str:
    """Plain-language label for a data code: "dvt_pe" -> "Dvt pe" is not good enough."""
    return CODE_LABELS.get(code, code.replace("_", " ").capitalize())


CODE_LABELS = {
    "dvt_pe": "Blood clot (DVT/PE)",
    "csf_leak": "Spinal fluid leak",
    "cauda_equina": "Cauda equina",
    "hardware_failure": "Hardware problem",
    "nerve_injury": "Nerve problem",
    "urinary_retention": "Cannot pass urine",
    "wound_dehiscence": "Wound opening",
    "uncontrolled_pain": "Pain not controlled",
    "ileus": "Bowel not moving (ileus)",
    "pseudarthrosis": "Fusion not healing",
    "adjacent_segment": "Adjacent level problem",
    "silence": "No check-ins",
    "outcome_worse": "Worse than before surgery",
    # Flag outcomes
    "seen_in_clinic": "Seen in clinic",
    "advice_given": "Advice given",
    "imaging_ordered": "Imaging ordered",
    "antibiotics_started": "Antibiotics started",
    "readmitted": "Readmitted",
    "reoperation": "Reoperation",
    "no_problem": "No problem found",
}


def outcome_choices() -> list[tuple[str, str]]:
    return [(value, label_for(value)) for value in Flag.Outcome.values]


class ClinicianLoginForm(AuthenticationForm):
    """Django's form authenticates with authenticate(request=...), so django-axes counts it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_clinician": "This sign-in is for care-team members.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_clinician(user):
            raise forms.ValidationError(self.error_messages["not_clinician"], code="not_clinician")


class WorklistFilterForm(forms.Form):
    team = forms.ChoiceField(required=False)
    severity = forms.ChoiceField(required=False)
    category = forms.ChoiceField(required=False)
    mine = forms.BooleanField(required=False)  # issue 16: only flags assigned to me

    def __init__(self, *args: Any, teams: list[CareTeam], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The clinician's own teams only, from the list the page already has (no extra query):
        # another team's id fails validation like a typo and is ignored.
        self.teams = {str(team.id): team for team in teams}
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "All my teams")] + [
            (key, team.name) for key, team in self.teams.items()
        ]
        cast(forms.ChoiceField, self.fields["severity"]).choices = [("", "Any severity")] + [
            (s, s.capitalize()) for s in reversed(SEVERITIES)
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "Any category")] + [
            (c, label_for(c)) for c in FLAG_CATEGORIES
        ]

    def cleaned(self) -> dict[str, Any]:
        """Valid filters, the team as an object; an invalid filter is ignored, not an error."""
        self.is_valid()
        values = {name: self.cleaned_data.get(name) or None for name in self.fields}
        values["team"] = self.teams.get(values["team"] or "")
        return values


class TimeZoneForm(forms.Form):
    zone = forms.ChoiceField(label="Show times in", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["zone"]).choices = [("", "My browser's time zone")] + [
            (z, z) for z in sorted(known_zones())
        ]


class MilestoneRecordForm(forms.Form):
    """The care team records a milestone from the patient page (issue 16)."""

    status = forms.ChoiceField(choices=[("achieved", "Achieved"), ("missed", "Missed")])
    date = forms.DateField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class FlagResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=outcome_choices)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
