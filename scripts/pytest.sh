#!/usr/bin/env bash
# Run pytest from the project venv, and make "no tests collected" impossible to miss.
#
#   scripts/pytest.sh [PYTEST ARG...]      (PYTHON overrides <repo>/.venv/bin/python)
#
# pytest exits 5 when nothing was collected: a typo in -m or -k, or a marker with no tests yet.
# That is a failure here (the status stays 5), with a message saying so.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

# issue 19: the Spanish interface strings (.po -> .mo) the suite reads.
bash "$ROOT/scripts/compile-messages.sh" || exit 1
"$PYTHON" -m pytest "$@"
status=$?
if [[ $status == 5 ]]; then
    echo "pytest.sh: FAILED: no tests were collected (pytest $*); exit status 5" >&2
fi
exit "$status"
