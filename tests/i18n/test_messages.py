"""issue 19: every interface message has a Spanish entry in locale/es/LC_MESSAGES/django.po.

The test extracts the messages the way a translator does (`makemessages`, on a copy of the
source so the committed .po is never rewritten) and fails naming each message whose Spanish
entry is missing, empty or fuzzy. Fix: run makemessages (README, "Languages"), translate.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from core.i18n import translated_languages
from notifications.catalogue import TEMPLATES, template_render

ROOT = Path(__file__).resolve().parents[2]
# What makemessages reads besides the apps: never the suite, the venv or build output.
SKIPPED = ("tests", "bench", "docs", "var", "staticfiles", "node_modules", "__pycache__", "*.mo")
ENTRY = re.compile(
    r"((?:#[^\n]*\n)*)msgid ((?:\"(?:[^\"\\]|\\.)*\"\n?)+)msgstr ((?:\"(?:[^\"\\]|\\.)*\"\n?)+)"
)


def _text(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def untranslated(po_text: str) -> list[str]:
    """Message ids whose translation is empty or marked fuzzy (the header excepted)."""
    missing = []
    for comments, msgid, msgstr in ENTRY.findall(po_text):
        if not _text(msgid):
            continue  # the header
        if not _text(msgstr) or "fuzzy" in comments:
            missing.append(_text(msgid))
    return missing


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = shutil.ignore_patterns(*SKIPPED)(directory, names)
    return skipped | {name for name in names if name.startswith(".")}


@pytest.fixture
def source_copy(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=_ignore)
    yield copy


def extracted_po(copy: Path, language: str) -> str:
    """makemessages over `copy` (merged into its copy of the .po), returning the result."""
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command(
                "makemessages",
                locale=[language],
                no_location=True,
                no_obsolete=True,
                ignore_patterns=list(SKIPPED),
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    return (copy / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", translated_languages())
def test_it_has_an_entry_for_every_message(source_copy: Path, language: str) -> None:
    assert untranslated(extracted_po(source_copy, language)) == []


def test_it_catches_a_message_without_a_spanish_entry(source_copy: Path) -> None:
    (source_copy / "core" / "new_feature.py").write_text(
        "from django.utils.translation import gettext\n\n"
        'MESSAGE = gettext("A brand-new message.")\n',
        encoding="utf-8",
    )
    assert untranslated(extracted_po(source_copy, "es")) == ["A brand-new message."]


def test_it_treats_a_fuzzy_entry_as_missing() -> None:
    po = '#, fuzzy\nmsgid "Hello."\nmsgstr "Hola."\n\nmsgid "Bye."\nmsgstr "Adiós."\n'
    assert untranslated(po) == ["Hello."]


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_it_renders_every_notification_in_spanish(code: str) -> None:
    english = template_render(code, "en")
    spanish = template_render(code, "es")
    assert all(spanish) and spanish[0] != english[0] and spanish[1] != english[1]


def test_it_renders_a_notification_in_the_recipients_language_not_the_active_one() -> None:
    with translation.override("en"):
        spanish = template_render("checkin_due", "es")
    with translation.override("es"):
        english = template_render("checkin_due", "en")
    assert spanish[0] == "Es hora del registro de recuperación de hoy"
    assert english[0] == "Time for today's recovery check-in"
