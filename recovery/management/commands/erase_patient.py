from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recovery.models import Patient
from recovery.services.privacy import patient_erase


class Command(BaseCommand):
    help = (
        "Pseudonymise one patient: names, contact details, exact birth date and free-text "
        "notes are removed and sign-in is disabled; clinical data and the audit trail stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient_id")
        parser.add_argument("--actor", required=True, help="Username of the staff member.")
        parser.add_argument("--yes", action="store_true", help="Confirm: this is irreversible.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("Erasure is irreversible: add --yes to confirm.")
        try:
            patient = Patient.objects.get(id=options["patient_id"])
            actor = get_user_model().objects.get(username=options["actor"], is_staff=True)
        except (Patient.DoesNotExist, ValueError) as exc:
            raise CommandError("No such patient.") from exc
        except get_user_model().DoesNotExist as exc:
            raise CommandError("--actor must be an existing staff user.") from exc
        patient_erase(patient=patient, actor=actor)
        self.stdout.write(f"Patient {patient.id} pseudonymised.")
