"""The languages patients read (issue 19), from one setting: settings.LANGUAGES.

English is the source language of every text: interface strings are gettext message ids, and
the clinical data files hold the English with each translation beside it. Adding a language is
data work: a line in settings.LANGUAGES, a .po file under locale/, and the translations in the
data files (the system checks name every string still missing).
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from rest_framework import serializers

SOURCE_LANGUAGE = "en"


def supported_languages() -> tuple[str, ...]:
    """Every language code a patient may choose, the source language first."""
    return tuple(code for code, _name in settings.LANGUAGES)


def translated_languages() -> tuple[str, ...]:
    """The supported languages other than English: each needs a translation of every text."""
    return tuple(code for code in supported_languages() if code != SOURCE_LANGUAGE)


def language_or_default(code: str | None) -> str:
    """`code` when supported, otherwise the deployment's default (settings.LANGUAGE_CODE)."""
    if code and code in supported_languages():
        return code
    return str(settings.LANGUAGE_CODE)


def unsupported_language_message(code: object) -> str:
    return gettext("'%(code)s' is not a supported language. Supported: %(supported)s.") % {
        "code": code,
        "supported": ", ".join(supported_languages()),
    }


def pick(english: str, translations: Mapping[str, str], language: str) -> str:
    """The text in `language`, or the English when that language has none."""
    if language == SOURCE_LANGUAGE:
        return english
    return translations.get(language) or english


def activate_for(language: str | None) -> None:
    """Make `language` (a patient's) the language of the rest of this request."""
    translation.activate(language_or_default(language))


class LanguageField(serializers.CharField):
    """A supported language code; anything else is a 400 that lists the supported ones."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("allow_blank", True)  # so "" gets the message listing the codes
        kwargs.setdefault(
            "help_text", "A supported language code (settings.LANGUAGES), e.g. 'en' or 'es'."
        )
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        value = super().run_validation(data)
        if value is not None and str(value).strip().lower() not in supported_languages():
            raise serializers.ValidationError(unsupported_language_message(data))
        return None if value is None else str(value).strip().lower()
