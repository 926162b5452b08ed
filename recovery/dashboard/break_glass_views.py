"""The dashboard's break-glass form: reached from the "not found" page of a patient outside
the clinician's teams. The service does the checks, the audit and the alert."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from recovery.dashboard.views import clinician_required
from recovery.models.break_glass import BREAK_GLASS_REASON_MAX
from recovery.services.break_glass import break_glass_minutes, break_glass_open


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this patient's record now?",
        max_length=BREAK_GLASS_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_http_methods(["GET", "POST"])
@clinician_required
def break_glass(request: HttpRequest, patient_id: str) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            break_glass_open(
                clinician=request.user,
                patient_id=patient_id,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
                request=request,
            )
        except ApplicationError as exc:
            form.add_error("reason", exc.fields.get("reason", [exc.message])[0])
        else:
            return redirect("dashboard:patient", patient_id=patient_id)
    return render(
        request,
        "dashboard/break_glass.html",
        {"form": form, "minutes": break_glass_minutes(), "patient_id": patient_id},
    )
