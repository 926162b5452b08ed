#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL and Redis, then tear both down.
#
#   scripts/with-services.sh [--] COMMAND [ARG...]
#
# Starts PostgreSQL (as the `postgres` system user when run as root, since initdb refuses
# root) and Redis on free loopback ports in a `mktemp -d` directory, exports
#   DATABASE_URL=postgres://postgres@127.0.0.1:<port>/recovery
#   REDIS_URL=redis://127.0.0.1:<port>/0
#   CELERY_BROKER_URL=redis://127.0.0.1:<port>/1
# runs COMMAND, and stops both services and deletes the directory on every exit path
# (success, failure, Ctrl-C, SIGTERM). The exit status is COMMAND's.
#
# Missing Debian packages (postgresql, redis-server, chromium, docker-compose) are installed
# first when running as root; apt-get update runs only if something is missing.
# Environment: WITH_SERVICES_APT=0 skips installing; PG_BIN overrides the PostgreSQL bin dir.
set -euo pipefail

log() { echo "with-services: $*" >&2; }

if [[ "${1:-}" == "--" ]]; then shift; fi
if [[ $# -eq 0 ]]; then
    sed -n '2,4p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi

find_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    # Newest installed major version (Debian 12 ships 15); directory names are plain numbers.
    local dir
    # shellcheck disable=SC2012
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; fi
}

ensure_packages() {
    local missing=()
    [[ -n "$(find_pg_bin)" ]] || missing+=(postgresql)
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
    # Not needed to start services, but the suite drives a browser and validates compose.
    command -v chromium >/dev/null || missing+=(chromium)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    # issue 19: msgfmt compiles the translations (scripts/compile-messages.sh).
    command -v msgfmt >/dev/null || missing+=(gettext)
    [[ ${#missing[@]} -gt 0 ]] || return 0

    if [[ "${WITH_SERVICES_APT:-1}" == 0 || "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
        log "missing packages: ${missing[*]} (install them, or run as root to let this script do it)"
        return 0  # the checks below fail loudly for what is truly required
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -qq -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    "${apt[@]}" update >/dev/null
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
}

free_ports() {
    # Bind all the sockets at once so the ports differ; the kernel picks unused ones.
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Run as the postgres user when we are root: initdb and postgres refuse to run as root.
as_pg() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_packages
PG_BIN="$(find_pg_bin)"
[[ -n "$PG_BIN" ]] || { log "PostgreSQL server binaries not found (apt-get install postgresql)"; exit 1; }
command -v redis-server >/dev/null || { log "redis-server not found (apt-get install redis-server)"; exit 1; }

WORK_DIR="$(mktemp -d /tmp/with-services.XXXXXX)"
PG_STARTED=0
REDIS_STARTED=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ $REDIS_STARTED == 1 ]]; then
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 \
            || kill "$(cat "$WORK_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || true
    fi
    if [[ $PG_STARTED == 1 ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$WORK_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r PG_PORT REDIS_PORT <<<"$(free_ports 2)"

# PostgreSQL: trust auth on loopback only, durability off (the data dies with the run anyway).
# The planner settings are docker-compose.yml's, so tests and benchmarks plan as deployed.
if [[ "$(id -u)" == 0 ]]; then chown postgres: "$WORK_DIR"; fi
as_pg "$PG_BIN/initdb" -D "$WORK_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$WORK_DIR/initdb.log" 2>&1 || { cat "$WORK_DIR/initdb.log" >&2; exit 1; }
PG_STARTED=1
as_pg "$PG_BIN/pg_ctl" -D "$WORK_DIR/data" -l "$WORK_DIR/postgres.log" -w -t 60 -o \
    "-p $PG_PORT -k $WORK_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off -c random_page_cost=1.1" \
    start >/dev/null || { cat "$WORK_DIR/postgres.log" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres recovery

# Redis: no persistence; it runs as the invoking user, root included.
REDIS_STARTED=1
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$WORK_DIR" --pidfile "$WORK_DIR/redis.pid" --logfile "$WORK_DIR/redis.log"
for _ in $(seq 1 100); do  # daemonize returns before the socket listens; bounded wait
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG \
    || { log "redis did not start"; cat "$WORK_DIR/redis.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/recovery"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/1"
log "postgres on :$PG_PORT, redis on :$REDIS_PORT"

"$@"
