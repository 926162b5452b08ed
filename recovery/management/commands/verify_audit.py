from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recovery.audit_chain import chain_breaks
from recovery.models import AccessEvent


class Command(BaseCommand):
    help = (
        "Recompute the access trail's hash chain and report the first broken link (an edited, "
        "deleted or inserted-out-of-line event). Exits non-zero when the chain is broken. "
        "Record the printed head hash somewhere outside the database to anchor the chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="List every broken link, not only the first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = (
            AccessEvent.objects.order_by("seq")
            .only(
                "id",
                "seq",
                "chain_hash",
                "actor_id",
                "patient_id",
                "action",
                "object_type",
                "object_id",
                "request_id",
                "ip_address",
                "created_at",
                "actor_kind",
            )
            .iterator(chunk_size=5000)
        )
        checked = 0
        head = ""
        breaks = []

        def counted() -> Any:
            nonlocal checked, head
            for row in rows:
                checked += 1
                head = row.chain_hash
                yield row

        found = chain_breaks(counted())
        for broken in found:
            breaks.append(broken)
            if not options["all"]:
                break
        found.close()  # release the cursor now, not when the connection is already closed
        # iterator() returns a generator at run time; django-stubs types it as a plain Iterator.
        rows.close()  # type: ignore[attr-defined]
        if breaks:
            for broken in breaks:
                self.stderr.write(
                    f"broken link at seq={broken.seq} event={broken.event_id}: {broken.reason}"
                )
            raise CommandError(f"audit chain broken (first at seq={breaks[0].seq})")
        self.stdout.write(f"audit chain intact: {checked} events, head {head or '-'}")
