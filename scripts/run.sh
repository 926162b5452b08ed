#!/usr/bin/env bash
# Run the whole system in the foreground: web (gunicorn), Celery worker and Celery beat.
#
#   scripts/run.sh            (what `make run` calls, after building the venv)
#
# Environment (all optional):
#   HOST, PORT        where gunicorn listens (127.0.0.1, 8000)
#   VAR_DIR           runtime state: SQLite file, filesystem broker, beat schedule, file cache
#                     (<repo>/var). The settings read the same variable.
#   PYTHON            interpreter with the project installed (<repo>/.venv/bin/python)
#   WEB_WORKERS       gunicorn worker processes (2)
#   DEBUG             true unless you say otherwise, so no SECRET_KEY is needed locally
#   DATABASE_URL, CELERY_BROKER_URL, REDIS_URL   unset = embedded defaults (SQLite, files)
#   SEED_DEMO         set to 0 to skip the demo data and the small simulated cohort
#
# It migrates, collects static files and seeds demo data, then hands over to
# scripts/supervise.py: Ctrl-C, SIGTERM or any process exiting stops all of them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
export VAR_DIR="${VAR_DIR:-$ROOT/var}"
export DEBUG="${DEBUG:-true}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backend.settings.base}"
export PYTHONUNBUFFERED=1

if [[ ! -x "$PYTHON" ]]; then
    echo "run.sh: $PYTHON not found; run 'make venv' first" >&2
    exit 1
fi

mkdir -p "$VAR_DIR/celery/queue" "$VAR_DIR/celery/processed" "$VAR_DIR/celery/control"

# SQLite allows one writer at a time: one worker process (solo pool) keeps the embedded
# setup free of "database is locked" storms. With a real database the worker may fan out.
worker_pool=(--pool=solo)
if [[ "${DATABASE_URL:-sqlite}" != sqlite* ]] && [[ "${CELERY_BROKER_URL:-filesystem}" != filesystem* ]]; then
    worker_pool=(--concurrency="${WORKER_CONCURRENCY:-2}")
fi

echo "run.sh: settings=$DJANGO_SETTINGS_MODULE DEBUG=$DEBUG VAR_DIR=$VAR_DIR"
echo "run.sh: database=${DATABASE_URL:-sqlite (embedded)} broker=${CELERY_BROKER_URL:-filesystem (embedded)}"

# patient app (issue 20): development VAPID keys for web push, generated once under VAR_DIR.
vapid_dir="$VAR_DIR/vapid"
if [[ -z "${WEBPUSH_VAPID_PRIVATE_KEY:-}${WEBPUSH_VAPID_PRIVATE_KEY_FILE:-}" ]]; then
    if [[ ! -s "$vapid_dir/private_key.pem" || ! -s "$vapid_dir/public_key.txt" ]]; then
        mkdir -p "$vapid_dir"
        "$PYTHON" scripts/vapid_keys.py "$vapid_dir"
    fi
    export WEBPUSH_VAPID_PRIVATE_KEY_FILE="$vapid_dir/private_key.pem"
    export WEBPUSH_VAPID_PUBLIC_KEY_FILE="$vapid_dir/public_key.txt"
fi

"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput -v 0
if [[ "${SEED_DEMO:-1}" != 0 ]]; then
    "$PYTHON" manage.py seed_demo
    # A small synthetic cohort (its own team) so the dashboard and outcomes have data; once.
    "$PYTHON" manage.py simulate_cohort --patients 30 --days 60 --seed 1 --skip-existing \
        --clinician-password demo-recovery-2026
    # issue 16: the demo team gets a cohort followed for over a year, large enough to pass the
    # outcomes page's small-cell suppression, so nurse.demo sees real tables.
    "$PYTHON" manage.py simulate_cohort --patients 40 --days 420 --seed 2 --skip-existing \
        --team "Demo Spine Team" --no-progress
fi

# supervise.py splits each command like a shell: quote paths that may hold spaces.
py="$(printf '%q' "$PYTHON")"
schedule="$(printf '%q' "$VAR_DIR/celerybeat-schedule")"

echo "run.sh: starting web on http://$HOST:$PORT/ (API docs: /api/docs/), worker and beat"
exec "$PYTHON" scripts/supervise.py \
    "web=$py -m gunicorn backend.wsgi:application --config backend/gunicorn.conf.py --bind $HOST:$PORT --workers $WEB_WORKERS --access-logfile - --graceful-timeout 5 --no-control-socket" \
    "worker=$py -m celery -A backend worker --loglevel=INFO ${worker_pool[*]}" \
    "beat=$py -m celery -A backend beat --loglevel=INFO --schedule=$schedule"
