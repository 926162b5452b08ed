"""issue 19: a reviewed translation does not silently stay `reviewed` when its English changes.

A review is pinned to the English it was made against (`source_hash`); when the English
changes, the translation is stale: recovery.W006 names it, it counts as a draft again, and
`manage.py clinical_translations` lists it first for the reviewer.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from pydantic import ValidationError

from recovery.checks import check_stale_translations, clinical_text_problems, clinical_text_stale
from recovery.clinical_text import Translation, english_hash, is_stale, needs_review
from recovery.triage import clear_ruleset_cache
from tests.recovery.triage.test_triage_rules_data import with_rule, write

ENGLISH = "Contact your surgical team today."
CHANGED = "Contact your surgical team today, or the on-call doctor if the office is closed."


def _reviewed(english: str | None) -> Translation:
    return Translation(
        text="Llame hoy a su equipo.",
        status="reviewed",
        reviewer="A. Ruiz, RN",
        source_hash=None if english is None else english_hash(english),
    )


def _es(translation: Translation) -> dict:
    return {"advice": {"es": translation.model_dump()}}


@pytest.fixture
def rules_file(settings, tmp_path: Path):
    """Point the system at a rules file of the test's making."""

    def _use(data: dict) -> Path:
        path = write(tmp_path, data)
        settings.TRIAGE_RULES_PATH = str(path)
        clear_ruleset_cache()
        return path

    yield _use
    clear_ruleset_cache()


def test_it_fingerprints_the_english_ignoring_line_wrapping() -> None:
    assert english_hash("Contact your surgical\n   team today.") == english_hash(ENGLISH)


def test_it_fingerprints_a_changed_number_differently() -> None:
    assert english_hash("Do not lift more than 10 lb.") != english_hash(
        "Do not lift more than 5 lb."
    )


def test_it_keeps_a_review_made_against_the_current_english() -> None:
    assert not is_stale(_reviewed(ENGLISH), ENGLISH)


def test_it_calls_a_review_stale_once_the_english_changes() -> None:
    assert is_stale(_reviewed(ENGLISH), CHANGED)


def test_it_calls_a_review_stale_when_it_names_no_english() -> None:
    assert is_stale(_reviewed(None), ENGLISH)


def test_it_never_calls_a_draft_stale() -> None:
    assert not is_stale(Translation(text="Llame hoy."), CHANGED)


def test_it_sends_a_stale_review_back_to_the_reviewer() -> None:
    assert needs_review(_reviewed(ENGLISH), CHANGED)


def test_it_refuses_a_source_hash_that_is_not_a_fingerprint() -> None:
    with pytest.raises(ValidationError, match="source_hash"):
        Translation(text="Llame hoy.", source_hash="v2")


def test_it_ships_no_stale_review() -> None:
    assert clinical_text_stale() == []


def test_it_warns_at_startup_about_a_stale_review(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    [warning] = check_stale_translations()
    assert warning.id == "recovery.W006"
    assert "infection.fever" in warning.msg
    assert "advice in 'es'" in warning.msg


def test_it_does_not_warn_about_a_review_of_the_current_english(rules_file) -> None:
    rules_file(with_rule(advice=ENGLISH, translations=_es(_reviewed(ENGLISH))))
    assert check_stale_translations() == []


def test_it_lets_a_deployment_start_with_a_stale_review(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    call_command("check")  # a warning, not an error (see check_stale_translations)


def test_it_fails_a_warning_strict_check_with_a_stale_review(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    with pytest.raises(SystemCheckError, match=r"recovery\.W006"):
        call_command("check", fail_level="WARNING")


def test_it_counts_a_stale_review_as_waiting_for_review(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    _, stale = clinical_text_problems(("en", "es"))
    rules_file(with_rule(advice=ENGLISH, translations=_es(_reviewed(ENGLISH))))
    _, current = clinical_text_problems(("en", "es"))
    # The pathways' drafts are counted in both; the one rule's review only while stale.
    assert stale["es"] - current["es"] == 1


def test_it_lists_stale_reviews_before_drafts_for_the_reviewer(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    out = StringIO()
    call_command("clinical_translations", "--language", "es", stdout=out, stderr=StringIO())
    first, second, *_ = out.getvalue().splitlines()
    assert first.startswith("stale\tes\t") and "infection.fever" in first
    assert f"source_hash {english_hash(CHANGED)}" in first
    assert second.startswith("draft\tes\t")


def test_it_lists_only_stale_reviews_on_request(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    out = StringIO()
    call_command("clinical_translations", "--stale", stdout=out, stderr=StringIO())
    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == ["stale"]


def test_it_fails_the_listing_check_while_a_review_is_stale(rules_file) -> None:
    rules_file(with_rule(advice=CHANGED, translations=_es(_reviewed(ENGLISH))))
    with pytest.raises(CommandError, match="1 reviewed translation"):
        call_command("clinical_translations", "--check", stdout=StringIO(), stderr=StringIO())


def test_it_passes_the_listing_check_with_no_stale_review() -> None:
    call_command("clinical_translations", "--check", stdout=StringIO(), stderr=StringIO())
