"""gunicorn settings shared by `make run` (scripts/run.sh), the Docker image and the benchmarks.

    gunicorn backend.wsgi:application --config backend/gunicorn.conf.py [--bind ... --workers ...]

Command-line flags override what is set here.
"""

import os
from typing import Any

# Workers (issue 23). Sync workers, two per core: a check-in spends a good part of its time
# waiting for PostgreSQL and Redis round trips, and a second process per core runs while the
# first waits; more processes on 2 cores only add context switches and memory (each worker is
# a ~100 MB copy-on-write fork). Sync rather than gthread: the GIL makes threads in one process
# take turns on CPU-bound Python (validation, triage, rendering), and keep-alive, which gthread
# adds, is the reverse proxy's job in front of gunicorn. The measurements behind this are in
# docs/benchmarks.md (section 1). WEB_CONCURRENCY (gunicorn's own variable) or --workers
# overrides the count, e.g. on a machine with more cores.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))

# Import Django and the app once in the master, then fork the workers from it: they start
# with the code (and what the apps load on process_ready in when_ready) already in memory, shared
# copy-on-write. Incompatible with --reload, which this project does not use.
preload_app = True


def _warm() -> None:
    # The apps load what their first request must not wait for (recovery: the triage rule
    # set) on core.signals.process_ready; the project names no app. Needs Django set up.
    from core.signals import process_ready

    process_ready.send(sender="gunicorn")


def when_ready(server: Any) -> None:
    # The master, after preloading the app and before forking any worker.
    if server.cfg.preload_app:
        _warm()


def post_worker_init(worker: Any) -> None:
    # Each worker, after loading the app and before its first request: a cache hit when the
    # master preloaded, the real load when preloading is turned off.
    _warm()
