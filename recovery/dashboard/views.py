"""Dashboard pages. Thin: scoping lives in selectors, writes in services, drawing in charts.

Every view that shows a patient records an access event: one `view` row for a patient page,
one `list` row per patient shown on the worklist (a single bulk INSERT).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from core.client_ip import client_ip
from core.exceptions import ApplicationError
from recovery.dashboard import outcomes as outcomes_view
from recovery.dashboard import presenters
from recovery.dashboard.account import is_verified, pending_start
from recovery.dashboard.forms import (
    ClinicianLoginForm,
    FlagResolveForm,
    MilestoneRecordForm,
    TimeZoneForm,
    WorklistFilterForm,
    outcome_choices,
)
from recovery.dashboard.timezones import SESSION_KEY, zone_for, zone_name_for
from recovery.models import AccessEvent
from recovery.selectors import is_clinician, patient_get_for_clinician
from recovery.selectors.answer_strip import answer_strip
from recovery.selectors.flags import flag_get_for_clinician
from recovery.selectors.patient_record import TIMELINE_FIRST, TIMELINE_LIMIT, patient_record
from recovery.selectors.plans import patient_today
from recovery.selectors.worklist import patients_not_recently_listed, teams_for
from recovery.selectors.worklist import worklist as worklist_data
from recovery.selectors.wound_photos import wound_gallery
from recovery.services.adjustments import milestone_status_set
from recovery.services.audit import (
    access_event_record,
    access_events_record_list,
    patient_access_for_clinician,
)
from recovery.services.flag_assignment import flag_assign, flag_unassign
from recovery.services.flags import flag_acknowledge, flag_resolve
from recovery.services.login_guard import (
    LoginRefused,
    login_attempt_check,
    login_failure_record,
    login_success_record,
)
from recovery.services.mfa import mfa_required_for, otp_needed

View = Callable[..., HttpResponse]


def clinician_required(view: View) -> View:
    """Signed in (else to the login page) and on a care team (else 403); times in their zone.

    The zone is activated around the view, and pages are rendered inside it (render(), not a
    lazy TemplateResponse), so every datetime in a template shows in the clinician's zone.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request.user) and mfa_required_for(request.user):
            # A session without a verified second factor (issue 17): sign in again, with it.
            logout(request)
            return redirect_to_login(request.get_full_path())
        if not is_clinician(request.user):
            raise PermissionDenied("The dashboard is for care-team members.")
        with timezone.override(zone_for(request)):
            return view(request, *args, **kwargs)

    return wrapper


class DashboardLoginView(LoginView):
    """Password first; then the code (account.login_otp) or, without a device, enrollment.

    The login guard runs before the password is checked: a (username, address) pair locked by
    axes, a username inside its progressive delay, or an address that has sprayed too many
    failures gets 429 (recovery.services.login_guard).
    """

    template_name = "dashboard/login.html"
    authentication_form = ClinicianLoginForm
    redirect_authenticated_user = True
    next_page = "dashboard:worklist"  # a URL name: resolve_url() reverses it

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        try:
            login_attempt_check(request=request, username=username, address=client_ip(request))
        except LoginRefused as exc:
            response = HttpResponse(exc.message, status=429, content_type="text/plain")
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.has_error("__all__", "invalid_login"):
            login_failure_record(
                username=str(form.data.get("username", ""))[:150],
                address=client_ip(self.request),
            )
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if otp_needed(user):
            pending_start(self.request, user=user, next_url=self.get_redirect_url())
            return redirect("dashboard:login-otp")
        login_success_record(username=user.get_username())
        return super().form_valid(form)


class DashboardLogoutView(LogoutView):
    next_page = "dashboard:login"  # a URL name: resolve_url() reverses it


def _outcome_options() -> str:
    # Rendered once, not once per flag (the same <option>s in every resolve form).
    return format_html_join("", '<option value="{}">{}</option>', outcome_choices())


def _worklist_context(request: HttpRequest) -> dict[str, Any]:
    teams = teams_for(clinician=request.user)
    form = WorklistFilterForm(request.GET or None, teams=teams)
    filters = form.cleaned() if request.GET else {}
    data = worklist_data(
        clinician=request.user,
        team=filters.get("team"),
        severity=filters.get("severity"),
        category=filters.get("category"),
        now=timezone.now(),
        mine=bool(filters.get("mine")),
    )
    return {
        "nav": "worklist",
        "form": form,
        "teams": teams,
        "data": data,
        "rows": presenters.worklist_rows(data),
        "query": request.GET.urlencode(),
        "refresh_ms": 1000 * getattr(settings, "DASHBOARD_REFRESH_SECONDS", 30),
        "outcome_options": _outcome_options(),
        # Where a row's action returns: the worklist with its filters, also from a row the
        # live refresh drew (that request's own path is the fragment's URL).
        "back_url": reverse("dashboard:worklist")
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "mine": bool(filters.get("mine")),
        "mine_query": _with_mine(request, on=True),
        "all_query": _with_mine(request, on=False),
    }


def _with_mine(request: HttpRequest, *, on: bool) -> str:
    """The worklist's query string with the "Mine" filter (issue 16) on or off."""
    query = request.GET.copy()
    query.pop("mine", None)
    if on:
        query["mine"] = "1"
    return query.urlencode()


@require_http_methods(["GET"])
@clinician_required
def worklist(request: HttpRequest) -> HttpResponse:
    # Imported here: recovery.dashboard.wound_photos uses this module's clinician_required.
    from recovery.dashboard.wound_photos import worklist_wound_reviews

    context = _worklist_context(request)
    # Wound photos waiting more than 24 hours for review (issue 21).
    context["wound_reviews"] = worklist_wound_reviews(request)
    # One `list` event per patient shown, whether for a flag, a silence or a photo.
    shown = {patient.id: patient for patient in context["data"].patients}
    for row in context["wound_reviews"]:
        shown.setdefault(row.patient.id, row.patient)
    access_events_record_list(
        actor=request.user,
        patients=list(shown.values()),
        object_type="worklist",
        request=request,
    )
    return render(request, "dashboard/worklist.html", context)


@require_http_methods(["GET"])
@clinician_required
def worklist_live(request: HttpRequest) -> HttpResponse:
    """The worklist's live region alone, fetched every ~30 s by dashboard.js."""
    context = _worklist_context(request)
    # A poll every 30 s would write a row per patient per poll; record a patient again only
    # when this clinician has not had it listed within the dedupe window.
    fresh = patients_not_recently_listed(actor=request.user, patients=context["data"].patients)
    access_events_record_list(
        actor=request.user, patients=fresh, object_type="worklist", request=request
    )
    return render(request, "dashboard/partials/worklist_live.html", context)


@require_http_methods(["GET"])
@clinician_required
def patient_detail(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_access_for_clinician(
        clinician=request.user, patient_id=patient_id, request=request, purpose="patient"
    )
    # issue 16, item 8: the latest events first; "?timeline=all" shows up to TIMELINE_LIMIT.
    full_timeline = request.GET.get("timeline") == "all"
    record = patient_record(
        patient=patient,
        now=timezone.now(),
        timeline_limit=TIMELINE_LIMIT if full_timeline else TIMELINE_FIRST,
    )
    page = presenters.patient_page(record)
    # issue 16: the wound and nerve answers by day, from the days just read (no query).
    strip = presenters.answer_strip(
        answer_strip(days=record.days), fever_c=record.fever_threshold_c
    )
    # Wound photos (issue 21): gallery by post-operative day, two days side by side.
    wound = wound_gallery(
        patient=patient, compare=(request.GET.get("day_a"), request.GET.get("day_b"))
    )
    context = {
        "patient": patient,
        "page": page,
        "full_timeline": full_timeline,
        "strip": strip,
        "wound": wound,
        "outcome_options": _outcome_options(),
    }
    return render(request, "dashboard/patient.html", context)


def _compare_by(request: HttpRequest) -> str:
    value = request.GET.get("compare", "approach")
    return value if value in outcomes_view.GROUPINGS else "approach"


@require_http_methods(["GET"])
@clinician_required
def outcomes(request: HttpRequest) -> HttpResponse:
    compare_by = _compare_by(request)
    page = outcomes_view.outcomes_page(
        clinician=request.user, compare_by=compare_by, today=timezone.now().date()
    )
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.VIEW,
        object_type="cohort_outcomes",
        object_id=request.get_full_path()[:64],
        request=request,
    )
    context = {
        "nav": "outcomes",
        "page": page,
        "groupings": [(code, label) for code, (label, _) in outcomes_view.GROUPINGS.items()],
        "grouping_label": outcomes_view.GROUPINGS[compare_by][0],
    }
    return render(request, "dashboard/outcomes.html", context)


@require_http_methods(["GET"])
@clinician_required
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    compare_by = _compare_by(request)
    groups = outcomes_view.cohort_groups(
        clinician=request.user, compare_by=compare_by, today=timezone.now().date()
    )
    access_event_record(
        actor=request.user,
        action=AccessEvent.Action.EXPORT,
        object_type="cohort_outcomes",
        object_id=request.get_full_path()[:64],
        request=request,
    )
    response = HttpResponse(
        outcomes_view.csv_rows(groups, compare_by), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="outcomes-by-{compare_by}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@clinician_required
def time_zone(request: HttpRequest) -> HttpResponse:
    name, source = zone_name_for(request)
    if request.method == "POST":
        form = TimeZoneForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["zone"]:
                request.session[SESSION_KEY] = form.cleaned_data["zone"]
            else:
                request.session.pop(SESSION_KEY, None)
            return redirect("dashboard:worklist")
    else:
        form = TimeZoneForm(initial={"zone": name if source == "chosen" else ""})
    return render(request, "dashboard/time_zone.html", {"form": form})


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (with its filters); only ever a local URL."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


@require_http_methods(["GET"])
@clinician_required
def flag_detail(request: HttpRequest, flag_id: str) -> HttpResponse:
    """Links in care-team alerts point here; the flag lives on its patient's page."""
    flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
    return redirect(f"{reverse('dashboard:patient', args=[flag.patient_id])}#flag-{flag.id}")


@require_http_methods(["POST"])
@clinician_required
def flag_acknowledge_view(request: HttpRequest, flag_id: str) -> HttpResponse:
    flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
    try:
        flag_acknowledge(flag=flag, actor=request.user, now=timezone.now(), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Flag acknowledged.")
    return _back(request, reverse("dashboard:worklist"))


@require_http_methods(["POST"])
@clinician_required
def milestone_record_view(request: HttpRequest, patient_id: str, milestone_id: str) -> HttpResponse:
    """Record a milestone achieved or missed (issue 16); back to the patient page."""
    patient = patient_get_for_clinician(clinician=request.user, patient_id=patient_id)
    back = reverse("dashboard:patient", args=[patient.id])
    form = MilestoneRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose achieved or missed, and a valid date.")
        return HttpResponseRedirect(back)
    try:
        milestone_status_set(
            patient=patient,
            milestone_id=milestone_id,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["date"],
            note=form.cleaned_data["note"],
            actor=request.user,
            today=patient_today(patient),
        )
    except ApplicationError as exc:
        detail = " ".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, f"{exc.message} {detail}".strip())
        return HttpResponseRedirect(back)
    access_event_record(
        actor=request.user,
        patient=patient,
        action=AccessEvent.Action.UPDATE,
        object_type="milestone",
        object_id=milestone_id,
        request=request,
    )
    messages.success(request, "Milestone recorded.")
    return HttpResponseRedirect(back)


@require_http_methods(["POST"])
@clinician_required
def flag_resolve_view(request: HttpRequest, flag_id: str) -> HttpResponse:
    flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
    form = FlagResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an outcome to resolve the flag.")
        return _back(request, reverse("dashboard:worklist"))
    try:
        flag_resolve(
            flag=flag,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            now=timezone.now(),
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Flag resolved.")
    return _back(request, reverse("dashboard:worklist"))


@require_http_methods(["POST"])
@clinician_required
def flag_assign_view(request: HttpRequest, flag_id: str) -> HttpResponse:
    """issue 16: "Assign to me"."""
    flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
    try:
        flag_assign(flag=flag, actor=request.user, now=timezone.now(), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Flag assigned to you.")
    return _back(request, reverse("dashboard:worklist"))


@require_http_methods(["POST"])
@clinician_required
def flag_unassign_view(request: HttpRequest, flag_id: str) -> HttpResponse:
    """issue 16: the owner gives the flag back."""
    flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
    try:
        flag_unassign(flag=flag, actor=request.user, now=timezone.now(), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Flag given back: nobody is assigned.")
    return _back(request, reverse("dashboard:worklist"))
