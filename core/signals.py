"""Process-lifecycle signals the project sends and the apps answer.

`process_ready` is sent once a server or worker process has Django set up and is about to
serve: by the gunicorn hooks (backend/gunicorn.conf.py: the master before forking, each worker
before its first request) and by Celery's worker_init / worker_process_init
(backend/celery.py). An app connects to it in its AppConfig.ready() to load what its first
request must not wait for (recovery: the triage rule set). The project never names the app.
"""

from django.dispatch import Signal

process_ready = Signal()  # sender: "gunicorn" or "celery"
