"""Regenerate (or check) the rule tables of docs/clinical-review.md from rules.yaml."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recovery.triage import load_ruleset
from recovery.triage.review import document_with_review_tables

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "clinical-review.md"


class Command(BaseCommand):
    help = (
        "Print the clinical-review rule tables generated from rules.yaml; --write updates "
        "docs/clinical-review.md (hand-written sections kept), --check fails if it is stale."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true", help="Update the document in place.")
        mode.add_argument(
            "--check", action="store_true", help="Exit with an error if the document is stale."
        )
        parser.add_argument("--path", type=Path, default=DOCUMENT, help="The document to use.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        # The packaged rules with the placeholder kept as the clinician reads it: the number
        # is a deployment setting, not part of the reviewed text.
        ruleset = load_ruleset()
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        wanted = document_with_review_tables(current, ruleset)
        if options["check"]:
            if current != wanted:
                raise CommandError(
                    f"{path} is stale: run `python manage.py clinical_review --write`."
                )
            self.stdout.write(f"{path} matches rule set version {ruleset.version}.")
        elif options["write"]:
            path.write_text(wanted, encoding="utf-8")
            self.stdout.write(f"Wrote {path} (rule set version {ruleset.version}).")
        else:
            self.stdout.write(wanted)
