from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ApplicationError
from recovery.services.teams import care_team_create


class Command(BaseCommand):
    help = "Create a care team (idempotent: an existing team is left as it is)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The team's name, e.g. 'Northside Spine'.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team, created = care_team_create(name=options["name"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        verb = "Created" if created else "Already exists:"
        self.stdout.write(f"{verb} care team '{team.name}' ({team.id})")
