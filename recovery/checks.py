"""System checks for the clinical content: a broken data file fails `manage.py check`."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, register
from django.core.checks import Warning as CheckWarning

from recovery.pathways import PathwayError, clear_cache, load_pathways
from recovery.selectors.plans import pathway_directory
from recovery.services.triage_facts import triage_ruleset
from recovery.triage import RuleSetError

if TYPE_CHECKING:
    from recovery.clinical_text import Translations


@register()
def check_triage_rules(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The triage rule set in force loads and validates (recovery.E001)."""
    try:
        triage_ruleset()  # cached per file version, so an edit made since startup is seen
    except RuleSetError as exc:
        return [
            Error(
                "The triage rules file does not load; check-ins cannot be triaged.",
                hint="\n".join(exc.problems[:20]),
                obj=exc.origin,
                id="recovery.E001",
            )
        ]
    return []


@register()
def check_pathway_templates(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Every pathway template loads and validates (recovery.E002)."""
    clear_cache()  # a check run re-reads the files, so an edit made since startup is seen
    try:
        load_pathways(pathway_directory())
    except PathwayError as exc:
        return [
            Error(
                f"Pathway template: {problem}",
                hint="Fix the file in recovery/pathways/ (see schema.py for the shape).",
                id="recovery.E002",
            )
            for problem in exc.problems
        ]
    return []


@register()
def check_instruments(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """recovery.E003: questionnaire definitions, schedule, thresholds (and installed wording)."""
    from recovery import instruments

    try:
        loaded = instruments.load_instruments()
        instruments.load_schedule()
        instruments.load_thresholds()
        wording_dir = getattr(settings, "INSTRUMENT_WORDING_DIR", None)
        if wording_dir:
            for code in loaded:
                instruments.load_wording(code, Path(wording_dir) / f"{code}.yaml")
    except instruments.InstrumentError as exc:
        return [
            Error(
                "Questionnaire data files are invalid.",
                hint="; ".join(exc.problems),
                obj="recovery.instruments",
                id="recovery.E003",
            )
        ]
    return []


@register()
def check_risk_profile(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """recovery.E004: the dashboard's risk-profile cut-offs (risk_profile.yaml) load."""
    from pydantic import ValidationError
    from yaml import YAMLError

    from recovery.risk import risk_profile

    risk_profile._load.cache_clear()  # a check run re-reads the file
    try:
        risk_profile.load_risk_profile()
    except (OSError, YAMLError, ValidationError) as exc:
        return [
            Error(
                "The risk-profile cut-offs do not load; the dashboard cannot show risk factors.",
                hint=str(exc)[:2000],
                obj=str(risk_profile.RISK_PROFILE_FILE),
                id="recovery.E004",
            )
        ]
    return []


@dataclass(frozen=True)
class ClinicalTextEntry:
    """One entry of a clinical data file with patient-facing text (issue 19)."""

    where: str  # e.g. "pathway 'open_posterior': milestone 'walk_30'"
    translations: "Translations"
    fields: dict[str, str | None]  # patient-facing field -> its English (None: none)


def clinical_text_entries() -> list[ClinicalTextEntry]:
    """Every entry of the clinical data files in force that carries patient-facing text, with
    its translations. Files that do not load are E001-E004's to report (they give none)."""
    from recovery.pathways import schema as pathway_schema
    from recovery.triage import spec as triage_spec

    entries: list[ClinicalTextEntry] = []
    try:
        ruleset = triage_ruleset()
    except RuleSetError:
        ruleset = None
    if ruleset is not None:
        for rule in ruleset.rules:
            entries.append(
                ClinicalTextEntry(
                    f"{ruleset.origin}: rule {rule.id!r}",
                    rule.translations,
                    {name: getattr(rule, name) for name in triage_spec.PATIENT_FACING_FIELDS},
                )
            )
    try:
        templates = load_pathways(pathway_directory())
    except PathwayError:
        templates = {}
    facing = pathway_schema.PATIENT_FACING
    for template in templates.values():

        def entry(where: str, item: Any, kind: str) -> ClinicalTextEntry:
            fields = {name: getattr(item, name) for name in facing[kind]}
            return ClinicalTextEntry(where, item.translations, fields)

        where = f"pathway {template.code!r}"
        for phase in template.phases:
            entries.append(entry(f"{where}: phase {phase.code!r}", phase, "phase"))
            entries.extend(
                entry(f"{where}: phase {phase.code!r} item {item.code!r}", item, "item")
                for item in phase.items
            )
        entries.extend(
            entry(f"{where}: milestone {milestone.code!r}", milestone, "milestone")
            for milestone in template.milestones
        )
        entries.extend(
            entry(f"{where}: wound photo instruction {n}", instruction, "photo_instruction")
            for n, instruction in enumerate(template.wound_photos.instructions, 1)
        )
    return entries


def clinical_text_problems(languages: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    """Patient-facing strings of the clinical data files lacking one of `languages`, and how
    many translations per language still wait for review (drafts and stale reviews; issue 19)."""
    from recovery import clinical_text

    problems: list[str] = []
    drafts: dict[str, int] = {}
    for e in clinical_text_entries():
        problems.extend(
            clinical_text.missing_languages(e.where, e.translations, e.fields, languages)
        )
        for language, count in clinical_text.draft_count(e.translations, e.fields).items():
            drafts[language] = drafts.get(language, 0) + count
    return problems, drafts


def clinical_text_stale() -> list[str]:
    """Reviewed translations whose English changed after the review (issue 19)."""
    from recovery import clinical_text

    return [
        problem
        for e in clinical_text_entries()
        for problem in clinical_text.stale_reviews(e.where, e.translations, e.fields)
    ]


@register()
def check_clinical_translations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """recovery.E005: every patient-facing clinical string exists in every supported language
    (settings.LANGUAGES); recovery.I005: translations still waiting for a clinician's review
    (drafts, and reviews gone stale since: recovery.W006)."""
    from core.i18n import supported_languages

    problems, drafts = clinical_text_problems(supported_languages())
    messages: list[CheckMessage] = [
        Error(
            f"Clinical text lacks a supported language: {problem}",
            hint="Add the translation beside the English (status: draft until a bilingual "
            "clinician reviews it); see recovery/clinical_text.py.",
            id="recovery.E005",
        )
        for problem in problems
    ]
    if drafts and settings.DEBUG:
        # Info in development only: Spanish starts as draft by design, and a deployment's
        # `check --deploy` must stay clean; README's clinical review list names the drafts.
        listing = ", ".join(f"{n} in {language!r}" for language, n in sorted(drafts.items()))
        messages.append(
            Info(
                f"Clinical translations not yet reviewed: {listing}.",
                hint="A bilingual clinician must review each against the English and mark it "
                "`status: reviewed` with `reviewer:` and `source_hash:` before patients rely "
                "on it (README; `manage.py clinical_translations` lists them).",
                id="recovery.I005",
            )
        )
    return messages


@register()
def check_stale_translations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """recovery.W006: a reviewed translation whose English changed after the review (issue 19).

    A warning, not an error, by choice: an error would stop a deployment from starting, and so
    would hold back an urgent correction of the English advice itself until the Spanish is
    re-reviewed. A stale translation is served like any draft (drafts are what Spanish-speaking
    patients read today) and counts as a draft again in recovery.I005 and in `manage.py
    clinical_translations`; the test suite (tests/i18n/test_stale_translations.py) fails on one,
    so a change to the English cannot be merged with its translation still marked `reviewed`.
    """
    return [
        CheckWarning(
            f"Clinical translation is stale: {problem}.",
            hint="A bilingual clinician re-reviews it against the current English and writes "
            "the new source_hash (`manage.py clinical_translations --stale` lists them), or it "
            "goes back to `status: draft`.",
            id="recovery.W006",
        )
        for problem in clinical_text_stale()
    ]
