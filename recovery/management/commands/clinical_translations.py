"""List the clinical translations a bilingual clinician still has to review (issue 19).

Stale reviews first (reviewed, but the English changed since: recovery.W006), then drafts.
Each line names the entry, the field, the language, why it is listed and the `source_hash` of
the current English, which the reviewer writes beside `status: reviewed` once they have checked
the translation against that English. `--text` adds the English and the translation.
See docs/clinical-review.md ("Spanish text").
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recovery import clinical_text
from recovery.checks import clinical_text_entries

STALE = "stale"
DRAFT = "draft"


class Command(BaseCommand):
    help = (
        "List clinical translations waiting for a clinician's review: stale reviews (the "
        "English changed since), then drafts. --stale lists only the stale ones; --check exits "
        "with an error when there is one; --text shows the English and the translation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", help="Only this language code, e.g. es.")
        parser.add_argument("--stale", action="store_true", help="Only stale reviews.")
        parser.add_argument("--text", action="store_true", help="Print both texts too.")
        parser.add_argument(
            "--check", action="store_true", help="Exit with an error if a review is stale."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows: list[tuple[str, str, str, str, str, str, str]] = []
        for entry in clinical_text_entries():
            for name, by_language in sorted(entry.translations.items()):
                english = entry.fields.get(name) or ""
                for language, translation in sorted(by_language.items()):
                    if options["language"] and language != options["language"]:
                        continue
                    if clinical_text.is_stale(translation, english):
                        why = STALE
                    elif translation.status == clinical_text.DRAFT and not options["stale"]:
                        why = DRAFT
                    else:
                        continue
                    rows.append(
                        (
                            why,
                            language,
                            entry.where,
                            name,
                            clinical_text.english_hash(english),
                            " ".join(english.split()),
                            translation.folded,
                        )
                    )
        rows.sort(key=lambda row: row[0] != STALE)  # stable: file order within each kind
        for why, language, where, name, source_hash, english, translated in rows:
            self.stdout.write(f"{why}\t{language}\t{where}: {name}\tsource_hash {source_hash}")
            if options["text"]:
                self.stdout.write(f"\ten: {english}\n\t{language}: {translated}")
        stale = sum(1 for row in rows if row[0] == STALE)
        drafts = len(rows) - stale
        self.stderr.write(f"{stale} stale, {drafts} draft translation(s) listed.")
        if options["check"] and stale:
            raise CommandError(f"{stale} reviewed translation(s) are stale: re-review them.")
