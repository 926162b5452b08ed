"""The live OpenAPI schema, and a Python client generated from it as a mobile team would.

The schema comes from the same generator that serves /api/schema/ (tests/contract/
test_published_schema.py checks the two agree), so building it needs no database.
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

CLIENT_PACKAGE = "recovery_api_client"  # a name nothing else in the project uses


def live_schema() -> dict[str, Any]:
    """What /api/schema/ serves, as plain JSON types (what a generator reads)."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return live_schema()


@pytest.fixture(scope="module")
def generated_client(
    schema: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """`openapi-python-client generate` into a temporary folder, imported as a package."""
    folder = tmp_path_factory.mktemp("generated-client")
    source = folder / "schema.json"
    source.write_text(json.dumps(schema), encoding="utf-8")
    config = folder / "config.yaml"
    # No formatter run (not needed). Wound photo bytes are JPEG: generated clients read them as
    # binary (docs/api.md gives app teams the same configuration).
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  image/jpeg: application/octet-stream\n",
        encoding="utf-8",
    )
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(source),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(folder / CLIENT_PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    # The generator still succeeds when it has to skip an operation or a model: refuse that.
    assert "Warning" not in output, output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(CLIENT_PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == CLIENT_PACKAGE]:
            del sys.modules[name]


def generated_module(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{name}")


def client_folder(package: ModuleType) -> Path:
    return Path(package.__file__ or "").parent
