"""The message catalogue: every text a notification can show, as reviewed data.

Titles and bodies are fixed, generic sentences. They are never interpolated, so no symptom,
diagnosis, name or measured value can reach a lock screen, an inbox preview or a mail server.
`context` carries only opaque ids and codes the app resolves behind login; each template lists
the keys it accepts.

issue 19: titles and bodies are English gettext message ids, rendered in the recipient's
language when a channel sends (`template_render`), never in the language of the request that
created the row; the translations are in locale/<language>/LC_MESSAGES/django.po.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from core.i18n import language_or_default, supported_languages

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
    # title and body are marked with gettext_noop for makemessages; gettext at render.
    return Template(code=code, title=title, body=body, context_keys=frozenset(keys))


TEMPLATES: Mapping[str, Template] = {
    t.code: t
    for t in (
        _t(
            "checkin_due",
            gettext_noop("Time for today's recovery check-in"),
            gettext_noop("Open the app to record today's check-in."),
            "local_date",
        ),
        _t(
            "checklist_nudge",
            gettext_noop("Your recovery checklist is waiting"),
            gettext_noop("A few items on today's checklist are still open."),
            "local_date",
        ),
        _t(
            "questionnaire_due",
            gettext_noop("A recovery questionnaire is ready"),
            gettext_noop("Open the app to complete a short questionnaire."),
            "instrument",
            "schedule_id",
        ),
        _t(
            "milestone_upcoming",
            gettext_noop("A recovery milestone is coming up"),
            gettext_noop("Open the app to see what is planned."),
            "milestone_id",
        ),
        _t(
            "silence_patient",
            gettext_noop("We have not heard from you"),
            gettext_noop("Open the app to check in with your care team."),
            "days",
        ),
        _t(
            "silence_careteam",
            gettext_noop("A patient on your team has not checked in"),
            gettext_noop("Open the dashboard to review."),
            "patient_id",
            "days",
        ),
        _t(
            "careteam_flag",
            gettext_noop("A patient on your team needs review"),
            gettext_noop("Open the dashboard to review."),
            "flag_id",
            "patient_id",
        ),
        _t(
            "careteam_flag_escalated",
            gettext_noop("A review on your team was escalated"),
            gettext_noop("Open the dashboard to review."),
            "flag_id",
            "patient_id",
        ),
        # Wound photos (issue 21): no word about a wound on a lock screen; the app shows the
        # photo instructions with the prompt.
        _t(
            "wound_photo_due",
            gettext_noop("Time for today's recovery photo"),
            gettext_noop("Open the app to take today's photo."),
            "local_date",
        ),
        # Caregivers (issue 22): the patient's reminders, worded for the helper; no name.
        _t(
            "caregiver_checkin_due",
            gettext_noop("A recovery check-in is due"),
            gettext_noop("Open the app to help with today's check-in."),
            "local_date",
        ),
        _t(
            "caregiver_checklist_nudge",
            gettext_noop("A recovery checklist is waiting"),
            gettext_noop("Open the app to help with today's checklist."),
            "local_date",
        ),
        _t(
            "careteam_break_glass",
            gettext_noop("Emergency access to a patient on your team"),
            gettext_noop(
                "A clinician outside your team opened a patient's record. Open the dashboard to "
                "review the access log."
            ),
            "patient_id",
            "grant_id",
        ),
        _t(
            "activation",
            gettext_noop("Your recovery app account is ready"),
            gettext_noop("Use the activation code from your care team to sign in."),
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


def template_render(code: str, language: str | None) -> tuple[str, str]:
    """A template's title and body in `language` (unsupported or empty: the default)."""
    template = template_get(code)
    with translation.override(language_or_default(language)):
        return gettext(template.title), gettext(template.body)


def catalogue_texts() -> frozenset[str]:
    """Every title and body in every supported language: the only free text allowed to leave
    for a provider."""
    return frozenset(
        text
        for code in TEMPLATES
        for language in supported_languages()
        for text in template_render(code, language)
    )
