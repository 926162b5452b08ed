import logging
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recovery.fhir.export import fhir_export_start
from recovery.models import Patient

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Write one patient's recovery record as a FHIR R4 Bundle (JSON) to stdout or a file. "
        "The export is recorded in the access audit trail under --actor (required)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient_id", help="The patient's UUID.")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--actor",
            required=True,
            help="Username to record as the exporter in the audit trail (required: no "
            "patient data leaves without an audit row).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            patient = Patient.objects.get(id=options["patient_id"])
        except (Patient.DoesNotExist, ValidationError, ValueError) as exc:
            raise CommandError(f"No patient with id {options['patient_id']!r}.") from exc
        try:
            actor = get_user_model().objects.get(username=options["actor"], is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {options['actor']!r}.") from exc
        logger.info("FHIR export of patient %s by user %s", patient.id, actor.pk)

        export = fhir_export_start(patient=patient, actor=actor)
        if options["output"]:
            with Path(options["output"]).open("w", encoding="utf-8") as handle:
                for chunk in export.chunks:
                    handle.write(chunk)
            self.stderr.write(f"Wrote bundle {export.bundle_id} to {options['output']}")
        else:
            for chunk in export.chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.write("")
