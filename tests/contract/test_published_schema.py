"""docs/openapi.yaml is the schema the server serves (issue 18): `make openapi` rewrites it."""

import json
from pathlib import Path

from drf_spectacular.renderers import OpenApiYamlRenderer

from tests.contract.conftest import live_schema

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_it_publishes_the_live_schema_in_docs(schema) -> None:
    from drf_spectacular.generators import SchemaGenerator

    live = OpenApiYamlRenderer().render(
        SchemaGenerator().get_schema(request=None, public=True), renderer_context={}
    )
    published = PUBLISHED.read_bytes()
    assert published == live, "docs/openapi.yaml is out of date: run `make openapi`"


def test_it_serves_the_schema_it_publishes(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert json.loads(response.content) == live_schema()
