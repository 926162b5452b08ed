"""A small closed-loop load generator: N threads, each sending one request after another.

Stdlib only (http.client), so it adds no dependency; it shares the 2 cores with the server,
which the results must say. Each thread opens a new connection when the server closes one
(gunicorn's sync worker closes after every response).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def run_load(
    port: int, make_request: Callable[[int], Request], *, clients: int, seconds: float,
    warmup: float = 2.0,
) -> LoadResult:  # fmt: skip
    """Drive the server for warmup + seconds; only requests started after warm-up count."""
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sequence = 0
        while (began := time.monotonic()) < stop_at:
            method, path, body, headers = make_request(number * 1_000_000 + sequence)
            sequence += 1
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            elapsed = (time.monotonic() - began) * 1000
            if began >= measure_from:
                with lock:
                    result.latencies_ms.append(elapsed)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
