"""gunicorn settings shared by `make run` (scripts/run.sh), the Docker image and the benchmarks.

    gunicorn backend.wsgi:application --config backend/gunicorn.conf.py [--bind ... --workers ...]

Command-line flags override what is set here.
"""

from typing import Any

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
