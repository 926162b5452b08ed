"""Run several long-lived processes as one unit, the way `make run` needs them.

    python scripts/supervise.py NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND is split like a shell would split it (no shell runs it). Every line a child prints
is echoed with its NAME as a prefix. The first of these events stops the whole unit:
SIGINT (Ctrl-C), SIGTERM, SIGHUP, or any child exiting. Stopping sends SIGTERM to every child,
waits up to SUPERVISE_GRACE_SECONDS (default 10) for a graceful exit, then SIGKILLs whatever
is left, including grandchildren (gunicorn workers), and only then returns.

Exit status: 0 when stopped by a signal and every child stopped cleanly, otherwise the status of
the child that ended the run (1 if it exited 0: a server that stops by itself is a failure).

Standard library only, so it runs before (and without) the project's dependencies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

GRACE_SECONDS = float(os.environ.get("SUPERVISE_GRACE_SECONDS", "10"))
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_print_lock = threading.Lock()


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def parse_specs(specs: list[str]) -> list[Child]:
    children = []
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not name or not command.strip():
            raise SystemExit(f"supervise: expected NAME=COMMAND, got {spec!r}")
        children.append(Child(name=name, argv=shlex.split(command)))
    if len({child.name for child in children}) != len(children):
        raise SystemExit("supervise: process names must be unique")
    return children


def say(name: str, width: int, line: str) -> None:
    with _print_lock:
        sys.stdout.write(f"{name:<{width}} | {line}")
        if not line.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. Each child leads its own session so that a
    # terminal Ctrl-C reaches only this supervisor, which then stops the children in order.
    # The price is that a SIGKILLed supervisor would orphan them: PDEATHSIG closes that gap.
    os.setsid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the signal handlers below still cover every graceful path


def start(child: Child, width: int) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Commands come from our own run script, never from user input.
    child.process = subprocess.Popen(  # noqa: S603
        child.argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        preexec_fn=_die_with_parent,  # safe: every child starts before any thread does
    )
    command = shlex.join(child.argv)
    say("supervise", width, f"started {child.name} (pid {child.process.pid}): {command}")


def pump(child: Child, width: int) -> None:
    assert child.process is not None and child.process.stdout is not None
    for raw in iter(child.process.stdout.readline, b""):
        say(child.name, width, raw.decode("utf-8", errors="replace"))


def kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty
        os.killpg(pgid, sig)


def stop_all(children: list[Child], width: int) -> None:
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for child in running:
        assert child.process is not None
        say("supervise", width, f"stopping {child.name} (pid {child.process.pid})")
        # The leader only: gunicorn and celery stop their own workers gracefully.
        with contextlib.suppress(ProcessLookupError):
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say("supervise", width, f"{child.name} ignored SIGTERM for {GRACE_SECONDS}s; killing")
    # Every child led its own process group (setsid), so this also reaches grandchildren a
    # dying leader left behind. A group id cannot be reused while any member is alive.
    for child in children:
        if child.process is not None:
            kill_group(child.process.pid, signal.SIGKILL)
            child.process.wait()


def main(argv: list[str]) -> int:
    children = parse_specs(argv)
    if not children:
        raise SystemExit(__doc__)
    width = max(len("supervise"), *(len(c.name) for c in children))
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    try:
        for child in children:
            start(child, width)
    except OSError as exc:
        say("supervise", width, f"cannot start: {exc}")
        stop_all(children, width)
        return 127
    pumps = [threading.Thread(target=pump, args=(c, width), daemon=True) for c in children]
    for thread in pumps:
        thread.start()

    ended_by: Child | None = None
    while not stop.is_set():
        ended_by = next((c for c in children if c.process and c.process.poll() is not None), None)
        if ended_by is not None:
            break
        stop.wait(0.2)  # the supervisor's poll interval, not a test delay

    if ended_by is not None:
        assert ended_by.process is not None
        code = ended_by.process.returncode
        say("supervise", width, f"{ended_by.name} exited with status {code}; stopping the others")
    else:
        say("supervise", width, f"received {signal.Signals(received[0]).name}; stopping")
    stop_all(children, width)
    for thread in pumps:
        thread.join(timeout=2)
    say("supervise", width, "all processes stopped")

    if ended_by is not None:
        assert ended_by.process is not None
        code = ended_by.process.returncode
        return 128 - code if code < 0 else code or 1  # killed by signal N: 128+N, as shells do
    # A requested stop succeeded if nobody had to be killed and nobody failed on the way out.
    failed = [c.name for c in children if c.process and c.process.returncode not in (0, -15)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
