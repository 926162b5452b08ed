"""The patient's reminders, also to their caregivers with `receive_reminders` (issue 22).

A copy goes to each caregiver's own account under the same idempotency key (an outbox row is
unique per key *and* recipient), so a repeated sweep sends nothing twice to anyone. Delivery
then follows the caregiver's own preferences and quiet hours, as for any recipient, and the
catalogue's fixed texts carry no health details and no name.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping

import core.sql  # noqa: F401  (registers the `any` lookup)
from notifications.services import Message
from recovery.models import CaregiverLink, CaregiverScope

# The patient's template -> the caregiver's. Questionnaire and silence notices stay the
# patient's own: questionnaires must be their own answers.
CAREGIVER_TEMPLATES = {
    "checkin_due": "caregiver_checkin_due",
    "checklist_nudge": "caregiver_checklist_nudge",
    "milestone_upcoming": "milestone_upcoming",
}


def caregiver_copies(
    messages: Iterable[Message], patient_by_user: Mapping[int, object]
) -> list[Message]:
    """Copies of the patients' reminders in `messages` for their caregivers (one query).

    `patient_by_user` maps each patient's user id to the patient's id, for the batch.
    """
    wanted = [
        m
        for m in messages
        if m.template in CAREGIVER_TEMPLATES and m.recipient_id in patient_by_user
    ]
    if not wanted:
        return []
    helpers: dict[object, list[int]] = defaultdict(list)
    links = CaregiverLink.objects.active().filter(
        patient_id__any={patient_by_user[m.recipient_id] for m in wanted}
    )
    # Scopes filtered here, not with a JSON `contains` lookup, which SQLite (make run) lacks.
    for patient_id, caregiver_id, scopes in links.values_list(
        "patient_id", "caregiver_id", "scopes"
    ):
        if CaregiverScope.RECEIVE_REMINDERS in scopes:
            helpers[patient_id].append(caregiver_id)
    return [
        Message(
            caregiver_id,
            CAREGIVER_TEMPLATES[m.template],
            m.idempotency_key,
            context=m.context,
            link=m.link,
        )
        for m in wanted
        for caregiver_id in helpers[patient_by_user[m.recipient_id]]
    ]
