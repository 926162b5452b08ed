import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from recovery.models import AccessEvent, Patient
from recovery.services.audit import access_event_record
from recovery.services.privacy import patient_export


class Command(BaseCommand):
    help = "Export everything stored about one patient as JSON (subject access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient_id")
        parser.add_argument("--actor", required=True, help="Username of the staff member.")
        parser.add_argument("--output", help="File to write (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            patient = Patient.objects.get(id=options["patient_id"])
            actor = get_user_model().objects.get(username=options["actor"], is_staff=True)
        except (Patient.DoesNotExist, ValueError) as exc:
            raise CommandError("No such patient.") from exc
        except get_user_model().DoesNotExist as exc:
            raise CommandError("--actor must be an existing staff user.") from exc
        payload = json.dumps(
            patient_export(patient=patient), indent=2, sort_keys=True, cls=DjangoJSONEncoder
        )
        access_event_record(
            actor=actor,
            patient=patient,
            action=AccessEvent.Action.EXPORT,
            object_type="patient_export",
            object_id=patient.id,
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(payload)
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(payload)
