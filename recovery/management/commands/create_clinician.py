import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ApplicationError
from recovery.models import CareTeamMembership
from recovery.services.mfa import totp_device_enroll, totp_secret
from recovery.services.teams import clinician_create


class Command(BaseCommand):
    help = (
        "Create a clinician and add them to a care team (idempotent: an existing user is "
        "added to the team or has their role updated; their password is never changed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--team", required=True, help="The care team's name.")
        parser.add_argument(
            "--role",
            required=True,
            choices=CareTeamMembership.Role.values,
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--totp",
            action="store_true",
            help="Enroll a TOTP device (replacing any other) and print totp_secret=<base32> last.",
        )
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--password", help="Visible in shell history: prefer the others.")
        source.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )

    def _password(self, options: dict[str, Any]) -> str | None:
        if options["password"]:
            return options["password"]
        if options["password_stdin"]:
            return sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty():
            return None  # an existing user needs none; a new one gets a clear error
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _user, created = clinician_create(
                username=options["username"],
                team_name=options["team"],
                role=options["role"],
                password=self._password(options),
                email=options["email"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        verb = "Created clinician" if created else "Updated clinician"
        self.stdout.write(
            f"{verb} '{options['username']}' in '{options['team']}' as {options['role']}"
        )
        if options["totp"]:
            device = totp_device_enroll(user=_user)
            # Last line, machine-readable: the secret for the clinician's authenticator app.
            self.stdout.write(f"totp_secret={totp_secret(device)}")
