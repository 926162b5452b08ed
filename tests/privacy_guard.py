"""A pytest plugin that fails any test leaking free text to a push provider or the broker.

Register it suite-wide with `pytest_plugins = ["tests.privacy_guard"]` in tests/conftest.py.
While a test runs it captures every push payload handed to the push transport
(`notifications.channels.push._handoff_many`) and the args/kwargs of every Celery task published
(`before_task_publish`), and checks each value against an allowlist:

- ints, bools, None; UUIDs; ISO dates; lowercase codes (template codes, instrument codes);
- opaque app paths ("/dashboard/flags/<uuid>/");
- the generic catalogue text, which is also the only text a push title or body may be.

Anything else (a name, "fever 39.2", a note) is a violation: the test fails after its call
phase (or at teardown, for leaks that happen there). A test that must publish something else
can widen the allowlist with `@pytest.mark.privacy_allow(r"regex", ...)`.
"""

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT = re.compile(r"^-?\d{1,19}$")
PATH_SEGMENT = re.compile(r"^[a-z][a-z-]{0,31}$")
GUARD_KEY = pytest.StashKey["PrivacyGuard"]()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36)


def _is_opaque_path(value: str) -> bool:
    if not (value.startswith("/") and value.endswith("/")):
        return False
    inner = value.strip("/")
    return inner == "" or all(
        PATH_SEGMENT.match(s) or _is_uuid(s) or INT.match(s) for s in inner.split("/")
    )


def _catalogue_texts() -> frozenset[str]:
    from notifications.catalogue import catalogue_texts

    return catalogue_texts()


@dataclass
class PrivacyGuard:
    extra: list[re.Pattern[str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    reported: bool = False
    paused: bool = False

    # -- the allowlist --------------------------------------------------------------------

    def allowed_scalar(self, value: object) -> bool:
        if value is None or isinstance(value, (bool, int)):
            return True
        if not isinstance(value, str):
            return False
        return bool(
            value == ""
            or CODE.match(value)
            or INT.match(value)
            or ISO_DATE.match(value)
            or _is_uuid(value)
            or _is_opaque_path(value)
            or value in _catalogue_texts()
            or any(p.fullmatch(value) for p in self.extra)
        )

    def check(self, where: str, value: Any) -> None:
        if self.paused:
            return
        if isinstance(value, Mapping):
            for key, item in value.items():
                self.check(f"{where} key", key)
                self.check(f"{where}.{key}", item)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                self.check(f"{where}[{index}]", item)
        elif not self.allowed_scalar(value):
            self.violations.append(f"{where}: {value!r} is not on the privacy allowlist")

    # -- the taps -------------------------------------------------------------------------

    def on_task_publish(self, sender: str | None = None, body: Any = None, **_: Any) -> None:
        # Task protocol 2: body is (args, kwargs, embed).
        args, kwargs = (body[0], body[1]) if isinstance(body, (list, tuple)) else ((), {})
        self.check(f"task {sender} args", list(args))
        self.check(f"task {sender} kwargs", dict(kwargs))

    def on_push(self, title: str, body: str, data: Mapping[str, str]) -> None:
        if self.paused:
            return
        texts = _catalogue_texts()
        for name, text in (("title", title), ("body", body)):
            if text not in texts:
                self.violations.append(f"push {name}: {text!r} is not catalogue text")
        self.check("push data", dict(data))

    @contextmanager
    def watching(self) -> Iterator["PrivacyGuard"]:
        from celery.signals import before_task_publish

        from notifications.channels import push

        original = push._handoff_many

        def _tapped(messages: Sequence[push.PushMessage]) -> list[Any]:
            for m in messages:
                self.on_push(m.title, m.body, m.data)
            return original(messages)

        before_task_publish.connect(self.on_task_publish, weak=False)
        push._handoff_many = _tapped
        try:
            yield self
        finally:
            push._handoff_many = original
            before_task_publish.disconnect(self.on_task_publish)

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """For tests of the guard itself, which leak on purpose."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def report(self) -> str:
        return "privacy guard:\n  " + "\n  ".join(self.violations)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "privacy_allow(*patterns): extra regexes the privacy guard accepts"
    )


@pytest.fixture(autouse=True)
def privacy_guard(request: pytest.FixtureRequest) -> Iterator[PrivacyGuard]:
    patterns = [p for m in request.node.iter_markers("privacy_allow") for p in m.args]
    guard = PrivacyGuard(extra=[re.compile(p) for p in patterns])
    request.node.stash[GUARD_KEY] = guard
    with guard.watching():
        yield guard
    if guard.violations and not guard.reported:
        pytest.fail(guard.report(), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    guard = item.stash.get(GUARD_KEY, None)
    if guard is not None and guard.violations:
        guard.reported = True
        raise AssertionError(guard.report())
    return result
