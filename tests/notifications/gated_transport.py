"""A push transport for worker subprocesses: it appends each delivered notification id to a log
file, and holds a send while a `hold` file exists once `block_after` sends have gone out, so a
test can SIGKILL the worker mid-batch. Its waits are bounded; nothing here sleeps in a test."""

import os
import time
from collections.abc import Mapping
from pathlib import Path

from notifications.channels.base import DeliveryError

MAX_HOLD_SECONDS = 60


class GatedTransport:
    def __init__(self) -> None:
        self.dir = Path(os.environ["NOTIF_E2E_DIR"])
        self.block_after = int(os.environ.get("NOTIF_E2E_BLOCK_AFTER", "0"))

    def _delivered(self) -> int:
        log = self.dir / "delivered.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        hold = self.dir / "hold"
        if hold.exists() and self._delivered() >= self.block_after:
            (self.dir / "blocked").write_text(data["id"])
            deadline = time.monotonic() + MAX_HOLD_SECONDS
            while hold.exists():
                if time.monotonic() > deadline:
                    raise DeliveryError("held too long")
                time.sleep(0.05)
        with open(self.dir / "delivered.log", "a") as log:
            log.write(data["id"] + "\n")
            log.flush()
            os.fsync(log.fileno())
