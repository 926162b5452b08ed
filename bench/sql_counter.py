"""Count SQL statements across worker processes (bench/reminders.py --worker).

Installed from bench/settings.py when BENCH_COUNT_SQL=1: every new database connection gets an
execute wrapper that increments `bench:sql` in Redis (REDIS_URL), one INCR per statement.
"""

import os
from typing import Any

KEY = "bench:sql"


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def install() -> None:
    from django.db.backends.signals import connection_created

    client = _redis()

    def _count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        client.incr(KEY)
        return execute(sql, params, many, context)

    def _on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        # The signal fires on every reconnect of the same DatabaseWrapper (the worker closes
        # connections between tasks); one wrapper per wrapper object, or statements multiply.
        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)

    connection_created.connect(_on_connect, weak=False)


def reset() -> None:
    _redis().delete(KEY)


def total() -> int:
    return int(_redis().get(KEY) or 0)
