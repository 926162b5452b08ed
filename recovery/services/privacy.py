"""Subject-access export and erasure (pseudonymisation) of one patient.

Export walks every row that belongs to the patient (everything a deletion would cascade to,
found through the model graph, so new models are included without code here) plus the access
trail. Erasure keeps the clinical record for outcomes research but removes what identifies the
person: names, contact details, exact birth date, free-text notes, wound photos (files and
rows), sign-in ability. The audit
trail is kept, and the erasure itself is audited.
"""

import base64
import uuid
from collections import defaultdict
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.core import serializers
from django.db import models, transaction
from django.utils import timezone

from notifications.models import Preference
from recovery.models import AccessEvent, Patient, WoundPhoto
from recovery.services.wound_photos import wound_photos_delete_for_patient

ERASED = "erased"


def _owned_rows(patient: Patient) -> list[models.Model]:
    collector = NestedObjects(using="default")
    collector.collect([patient])
    rows: list[models.Model] = []
    for model_rows in collector.data.values():
        rows.extend(model_rows)
    return rows


def patient_export(*, patient: Patient) -> dict[str, Any]:
    """Everything stored about a patient, grouped by model label (DjangoJSONEncoder-ready)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _owned_rows(patient):
        [serialised] = serializers.serialize("python", [row])
        grouped[row._meta.label].append({"pk": str(row.pk), **serialised["fields"]})
    grouped["recovery.AccessEvent"] = [
        {"pk": str(e.pk), **serializers.serialize("python", [e])[0]["fields"]}
        for e in AccessEvent.objects.filter(patient=patient)
    ]
    # The zone and the language are stored on the user's notification preferences (issue 15,
    # issue 19), which hang off the user, not the patient: exported here so they stay in.
    grouped["notifications.Preference"] = [
        {"pk": str(p.pk), **serializers.serialize("python", [p])[0]["fields"]}
        for p in Preference.objects.filter(user_id=patient.user_id)
    ]
    user = patient.user
    grouped["auth.User"] = [
        {"username": user.username, "email": user.email, "date_joined": user.date_joined}
    ]
    return {
        "patient": str(patient.id),
        "exported_at": timezone.now().isoformat(),
        "records": dict(sorted(grouped.items())),
        "wound_photos": _wound_photo_files(patient),
        "caregivers": caregivers_export(patient=patient),
    }


def _wound_photo_files(patient: Patient) -> list[dict[str, Any]]:
    """The patient's wound photos themselves (the stored display JPEG, base64), oldest first."""
    photos = []
    for photo in WoundPhoto.objects.filter(patient=patient).order_by("taken_at", "id"):
        with photo.image.open("rb") as handle:
            data = handle.read()
        photos.append(
            {
                "id": str(photo.id),
                "taken_at": photo.taken_at.isoformat(),
                "postop_day": photo.postop_day,
                "content_type": "image/jpeg",
                "data_base64": base64.b64encode(data).decode("ascii"),
            }
        )
    return photos


def caregivers_export(*, patient: Patient) -> list[dict[str, Any]]:
    """Who the patient let help them (issue 22), with what each of them reported."""
    from recovery.models import CaregiverLink

    links = CaregiverLink.objects.filter(patient=patient).prefetch_related(
        "checkins", "checklist_entries", "milestones"
    )
    return [
        {
            "id": str(link.id),
            "name": link.display_name,
            "relationship": link.relationship,
            "email": link.email,
            "scopes": list(link.scopes),
            "invited_by": link.invited_by,
            "patient_asked": link.patient_asked,
            "created_at": link.created_at,
            "accepted_at": link.accepted_at,
            "revoked_at": link.revoked_at,
            "reported": {
                "check_ins": [str(c.id) for c in link.checkins.all()],
                "checklist_entries": [str(e.id) for e in link.checklist_entries.all()],
                "milestones": [str(m.id) for m in link.milestones.all()],
            },
        }
        for link in links
    ]


def _is_free_text(field: models.Field) -> bool:
    return isinstance(field, models.CharField | models.TextField) and "note" in field.name


@transaction.atomic
def patient_erase(*, patient: Patient, actor: Any) -> None:
    """Pseudonymise a patient in place. Irreversible; the access trail is kept."""
    patient.first_name = ERASED
    patient.last_name = ERASED
    patient.email = ""
    patient.phone = ""
    # Keep the birth year: age bands in the outcome analytics still work.
    patient.date_of_birth = patient.date_of_birth.replace(month=1, day=1)
    patient.save()
    # Photos of a body identify a person: rows now, files once this transaction commits.
    wound_photos_delete_for_patient(patient=patient)

    for row in _owned_rows(patient):
        text_fields = [f for f in row._meta.concrete_fields if _is_free_text(f)]
        if text_fields:
            # _default_manager is `objects` on every model here; the stubs cannot know a
            # Model subclass has one.
            type(row)._default_manager.filter(pk=row.pk).update(**{f.name: "" for f in text_fields})

    # Caregivers (issue 22): every link ends and who they were is erased (recovery.services.
    # caregivers.caregiver_links_erase); what they reported stays attributed to "a caregiver".
    from recovery.services.caregivers import caregiver_links_erase

    caregiver_links_erase(patient=patient, actor=actor, now=timezone.now())

    user = patient.user
    user.username = f"{ERASED}-{uuid.uuid4().hex}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    _revoke_tokens(user)

    AccessEvent.objects.create(
        actor=actor,
        patient=patient,
        action=AccessEvent.Action.UPDATE,
        object_type="patient_erasure",
        object_id=str(patient.id),
    )


def _revoke_tokens(user: Any) -> None:
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in OutstandingToken.objects.filter(user=user)],
        ignore_conflicts=True,
    )
