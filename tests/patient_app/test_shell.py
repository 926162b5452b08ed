"""The app shell Django serves at /app/: strict CSP, no inline script, manifest, worker."""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def _static_file_exists(url: str) -> bool:
    # The test settings serve no static files outside the live server: ask the finders.
    return finders.find(url.removeprefix(django_settings.STATIC_URL)) is not None


def test_it_serves_the_shell_with_a_csp_that_allows_no_inline_script(client):
    response = client.get("/app/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert script_src == ["'self'"]
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert scripts, "the shell loads its module"
    assert all('src="' in attrs and body.strip() == "" for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", response.content.decode()), "no inline handlers"


def test_it_serves_a_manifest_with_installable_icons(client):
    response = client.get("/app/manifest.webmanifest")

    manifest = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["start_url"], manifest["display"]) == ("/app/", "standalone")
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert _static_file_exists(icon["src"]), icon["src"]


def test_it_serves_a_service_worker_that_caches_the_shell_and_the_emergency_answers(client):
    response = client.get("/app/sw.js")

    body = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    urls = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert {"/app/", "/static/patient_app/app.js", "/api/v1/triage/emergency-answers/"} <= set(urls)
    for url in urls:
        if url.startswith("/static/"):
            assert _static_file_exists(url), url


def test_it_names_the_emergency_number_on_the_shell(client, settings):
    settings.EMERGENCY_NUMBER = "112"

    response = client.get("/app/")

    assert 'data-emergency-number="112"' in response.content.decode()


def test_it_keeps_the_app_a_client_of_the_api_only():
    from tests.test_boundaries import _hits, _id, _sources

    leaks = {_id(p): _hits(p, "recovery", "notifications") for p in _sources("patient_app")}
    assert {path: names for path, names in leaks.items() if names} == {}
