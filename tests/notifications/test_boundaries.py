"""Architecture rules for the notifications app, checked by reading its source."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "notifications"
SOURCES = sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(APP)))
def test_it_never_imports_recovery(path) -> None:
    leaked = {n for n in _imports(path) if n == "recovery" or n.startswith("recovery.")}
    assert not leaked, f"{path} imports {leaked}: notifications must not know clinical data"


def test_the_scan_sees_the_whole_app() -> None:
    names = {str(p.relative_to(APP)) for p in SOURCES}
    assert {"services.py", "dispatch.py", "channels/push.py", "api/views.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(APP)))
def test_it_publishes_tasks_only_after_commit(path) -> None:
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"delay", "apply_async"}, f"{path}: use core.queue.enqueue_on_commit"


def test_the_catalogue_has_the_templates_recovery_uses() -> None:
    from notifications.catalogue import TEMPLATES

    assert {
        "checkin_due",
        "checklist_nudge",
        "questionnaire_due",
        "milestone_upcoming",
        "silence_patient",
        "silence_careteam",
        "careteam_flag",
        "careteam_flag_escalated",
        "activation",
    } <= set(TEMPLATES)
    assert TEMPLATES["checkin_due"].title == "Time for today's recovery check-in"
    assert TEMPLATES["silence_careteam"].title == "A patient on your team has not checked in"
    assert TEMPLATES["careteam_flag"].title == "A patient on your team needs review"


def test_catalogue_text_is_never_interpolated() -> None:
    from notifications.catalogue import TEMPLATES

    for template in TEMPLATES.values():
        for text in (template.title, template.body):
            assert "{" not in text and "%" not in text, template.code
