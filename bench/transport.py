"""A stub push transport for benchmarks: counts, never calls a provider."""

from collections.abc import Mapping

SENT: list[str] = []


class CountingTransport:
    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        SENT.append(data.get("id", ""))
