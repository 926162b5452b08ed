"""A stub push transport for benchmarks: counts, never calls a provider.

It has `send_many`, as the FCM transport does (one provider call per chunk)."""

from collections.abc import Mapping, Sequence
from typing import Any

SENT: list[str] = []


class CountingTransport:
    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        SENT.append(data.get("id", ""))

    def send_many(self, messages: Sequence[Any]) -> list[None]:
        SENT.extend(m.data.get("id", "") for m in messages)
        return [None] * len(messages)
