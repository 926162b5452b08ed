"""The message catalogue: every text a notification can show, as reviewed data.

Titles and bodies are fixed, generic sentences. They are never interpolated, so no symptom,
diagnosis, name or measured value can reach a lock screen, an inbox preview or a mail server.
`context` carries only opaque ids and codes the app resolves behind login; each template lists
the keys it accepts.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Context values: an int, or an opaque token (a UUID, a date, a lowercase code). No spaces,
# so free text such as "fever 39.2" cannot pass.
CONTEXT_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
# Links are app paths resolved behind login, such as "/dashboard/flags/<uuid>/".
LINK = re.compile(r"^(/[a-z0-9][a-z0-9_-]{0,63})*/$")


@dataclass(frozen=True)
class Template:
    code: str
    title: str
    body: str
    context_keys: frozenset[str] = frozenset()


def _t(code: str, title: str, body: str, *keys: str) -> Template:
    return Template(code=code, title=title, body=body, context_keys=frozenset(keys))


TEMPLATES: Mapping[str, Template] = {
    t.code: t
    for t in (
        _t(
            "checkin_due",
            "Time for today's recovery check-in",
            "Open the app to record today's check-in.",
            "local_date",
        ),
        _t(
            "checklist_nudge",
            "Your recovery checklist is waiting",
            "A few items on today's checklist are still open.",
            "local_date",
        ),
        _t(
            "questionnaire_due",
            "A recovery questionnaire is ready",
            "Open the app to complete a short questionnaire.",
            "instrument",
            "schedule_id",
        ),
        _t(
            "milestone_upcoming",
            "A recovery milestone is coming up",
            "Open the app to see what is planned.",
            "milestone_id",
        ),
        _t(
            "silence_patient",
            "We have not heard from you",
            "Open the app to check in with your care team.",
            "days",
        ),
        _t(
            "silence_careteam",
            "A patient on your team has not checked in",
            "Open the dashboard to review.",
            "patient_id",
            "days",
        ),
        _t(
            "careteam_flag",
            "A patient on your team needs review",
            "Open the dashboard to review.",
            "flag_id",
            "patient_id",
        ),
        _t(
            "careteam_flag_escalated",
            "A review on your team was escalated",
            "Open the dashboard to review.",
            "flag_id",
            "patient_id",
        ),
        # Wound photos (issue 21): no word about a wound on a lock screen; the app shows the
        # photo instructions with the prompt.
        _t(
            "wound_photo_due",
            "Time for today's recovery photo",
            "Open the app to take today's photo.",
            "local_date",
        ),
        # Caregivers (issue 22): the patient's reminders, worded for the helper; no name.
        _t(
            "caregiver_checkin_due",
            "A recovery check-in is due",
            "Open the app to help with today's check-in.",
            "local_date",
        ),
        _t(
            "caregiver_checklist_nudge",
            "A recovery checklist is waiting",
            "Open the app to help with today's checklist.",
            "local_date",
        ),
        _t(
            "careteam_break_glass",
            "Emergency access to a patient on your team",
            "A clinician outside your team opened a patient's record. Open the dashboard to "
            "review the access log.",
            "patient_id",
            "grant_id",
        ),
        _t(
            "activation",
            "Your recovery app account is ready",
            "Use the activation code from your care team to sign in.",
        ),
    )
}


class MessageInvalid(ValueError):
    """A caller built a message the catalogue does not allow (a programming error)."""


def template_get(code: str) -> Template:
    try:
        return TEMPLATES[code]
    except KeyError:
        raise MessageInvalid(f"unknown template {code!r}") from None


def context_validate(template: Template, context: Mapping[str, object]) -> dict[str, str | int]:
    extra = set(context) - template.context_keys
    if extra:
        raise MessageInvalid(f"{template.code}: context keys not allowed: {sorted(extra)}")
    clean: dict[str, str | int] = {}
    for key, value in context.items():
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise MessageInvalid(f"{template.code}: {key} must be an int or an opaque code")
        if isinstance(value, str) and not CONTEXT_VALUE.match(value):
            raise MessageInvalid(f"{template.code}: {key} is not an opaque code")
        clean[key] = value
    return clean


def link_validate(link: str) -> str:
    if link and not LINK.match(link):
        raise MessageInvalid("link must be an opaque app path such as '/dashboard/flags/<id>/'")
    return link


def catalogue_texts() -> frozenset[str]:
    """Every title and body: the only free text allowed to leave for a provider."""
    return frozenset(s for t in TEMPLATES.values() for s in (t.title, t.body))
