"""Dashboard faces of the wound photos (issue 21): the review form, the worklist's overdue list.

The gallery and comparison on the patient page read `recovery.selectors.wound_photos`; images
are fetched from the care API's authenticated image views (session auth), which audit each
read. Thin: scoping in selectors, writes in services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from recovery.dashboard.views import clinician_required
from recovery.models import WoundPhoto
from recovery.selectors.wound_photos import (
    OverdueReview,
    wound_photo_get_for_clinician,
    wound_photos_overdue_for_review,
)
from recovery.services.wound_photos import wound_photo_review

REVIEW_MESSAGES = {
    WoundPhoto.Review.LOOKS_FINE: "Photo marked as looking fine.",
    WoundPhoto.Review.CONCERNING: "Photo marked as concerning: the infection flag is raised.",
}


class WoundPhotoReviewForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (WoundPhoto.Review.LOOKS_FINE, "Looks fine"),
            (WoundPhoto.Review.CONCERNING, "Concerning"),
        ]
    )
    note = forms.CharField(required=False, max_length=2000)


@require_http_methods(["POST"])
@clinician_required
def wound_photo_review_view(request: HttpRequest, photo_id: str) -> HttpResponse:
    photo = wound_photo_get_for_clinician(clinician=request.user, photo_id=photo_id)
    form = WoundPhotoReviewForm(request.POST)
    back = f"{reverse('dashboard:patient', args=[photo.patient_id])}#wound-photo-{photo.id}"
    if not form.is_valid():
        messages.error(request, "Choose whether the photo looks fine or is concerning.")
        return HttpResponseRedirect(back)
    try:
        wound_photo_review(
            photo=photo,
            actor=request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            now=timezone.now(),
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, REVIEW_MESSAGES[form.cleaned_data["status"]])
    return HttpResponseRedirect(back)


def worklist_wound_reviews(request: HttpRequest) -> list[OverdueReview]:
    """Photos waiting more than 24 hours for review [R177]; the worklist view audits the
    patients shown, together with the rest of the page's."""
    return wound_photos_overdue_for_review(clinician=request.user, now=timezone.now())
