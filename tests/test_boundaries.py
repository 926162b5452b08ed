"""Dependencies run one way, checked by reading the source (issue 15).

    backend (the Django project: settings, URLs, Celery app, gunicorn hooks)
      -> simulation, recovery.dashboard -> recovery (the domain) -> notifications -> core

`core` holds what every app may share (errors, pagination, schema base, on-commit publishing,
process signals). An app never imports the project: the project wires the apps together.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module the file imports, relative imports resolved, at any depth (also lazy)."""
    package = _module_of(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            # `from recovery import dashboard` imports recovery.dashboard
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _sources(*folders: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    found = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative.startswith(exclude):
                continue
            found.append(path)
    return found


def _hits(path: Path, *prefixes: str) -> set[str]:
    return {n for n in _imports(path) for p in prefixes if n == p or n.startswith(p + ".")}


def _id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


APPS = _sources("recovery", "notifications", "core", "simulation")
# The domain is recovery without its presentation: the dashboard package, and the tag-library
# shim Django needs in the app's own templatetags/ to find the dashboard's tags.
DOMAIN = _sources("recovery", exclude=("recovery/dashboard", "recovery/templatetags"))


@pytest.mark.parametrize("path", APPS, ids=_id)
def test_it_keeps_apps_from_importing_the_project(path) -> None:
    assert not _hits(path, "backend"), f"{_id(path)}: import core, never backend"


@pytest.mark.parametrize("path", DOMAIN, ids=_id)
def test_it_keeps_the_domain_free_of_the_simulator_and_the_dashboard(path) -> None:
    leaked = _hits(path, "simulation", "recovery.dashboard")
    assert not leaked, f"{_id(path)} imports {leaked}: the domain must not depend on them"


@pytest.mark.parametrize("path", _sources("notifications"), ids=_id)
def test_it_keeps_notifications_free_of_recovery(path) -> None:
    assert not _hits(path, "recovery"), f"{_id(path)}: notifications must not know recovery"


@pytest.mark.parametrize("path", _sources("core"), ids=_id)
def test_it_keeps_core_free_of_every_app(path) -> None:
    leaked = _hits(path, "backend", "recovery", "notifications", "simulation")
    assert not leaked, f"{_id(path)} imports {leaked}: core is shared by all"


@pytest.mark.parametrize("name", ["backend/celery.py", "backend/gunicorn.conf.py"])
def test_it_starts_processes_without_naming_the_domain(name) -> None:
    assert not _hits(ROOT / name, "recovery"), f"{name}: send core.signals.process_ready"


def test_the_scan_sees_every_layer() -> None:
    ids = {_id(p) for p in APPS}
    assert {
        "recovery/selectors/patients.py",
        "recovery/dashboard/views.py",
        "recovery/risk/risk_profile.py",
        "core/exceptions.py",
        "simulation/writer.py",
        "notifications/services.py",
    } <= ids
    assert "recovery/dashboard/views.py" not in {_id(p) for p in DOMAIN}


def test_the_import_scan_resolves_relative_and_lazy_imports() -> None:
    names = _imports(ROOT / "recovery" / "triage" / "engine.py")
    assert "recovery.triage.spec" in names
