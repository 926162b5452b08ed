#!/usr/bin/env bash
# Compile the interface translations (locale/<language>/LC_MESSAGES/django.po -> .mo), issue 19.
#
#   scripts/compile-messages.sh [--optional]
#
# The .mo files are build output (gitignored). msgfmt comes from Debian's `gettext` package,
# which scripts/with-services.sh installs for `make test`. With --optional (what `make run`
# uses) a machine without msgfmt still starts, in English only, and says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v msgfmt >/dev/null; then
    if [[ "${1:-}" == "--optional" ]]; then
        echo "compile-messages: msgfmt not found (apt-get install gettext); serving English only" >&2
        exit 0
    fi
    echo "compile-messages: msgfmt not found; install Debian's gettext package" >&2
    exit 1
fi
shopt -s nullglob
for po in locale/*/LC_MESSAGES/*.po; do
    mo="${po%.po}.mo"
    # Only when the .po changed: the suite and `make run` call this every time.
    if [[ ! -f "$mo" || "$po" -nt "$mo" ]]; then
        msgfmt --check-format -o "$mo" "$po"
    fi
done
