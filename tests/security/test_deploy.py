"""Deployment configuration: what production settings promise, checked on real responses.

The suite's settings are production's (backend.settings.base, DEBUG=false) with test-only
speed-ups, so headers are checked in-process; `check --deploy` and the `*_FILE` secrets run in
a subprocess with a production environment and no test settings at all.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
PROBE = "/api/v1/me/"


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST"))
        and k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(50) + "\n")
    jwt_key_file = tmp_path / "jwt_signing_key"
    jwt_key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings.base",
        DEBUG="false",
        SECRET_KEY_FILE=str(secret_file),
        JWT_SIGNING_KEY_FILE=str(jwt_key_file),
        ALLOWED_HOSTS="recovery.example.org",
        CSRF_TRUSTED_ORIGINS="https://recovery.example.org",
        # Never contacted by `check`; the URLs only have to be production-shaped.
        DATABASE_URL="postgres://recovery@127.0.0.1:5432/recovery",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
        VAR_DIR=str(tmp_path / "var"),
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_it_passes_the_deploy_checks_at_warning_level(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_it_reads_every_secret_from_its_file(tmp_path: Path) -> None:
    password_file = tmp_path / "smtp_password"
    password_file.write_text("smtp-secret-from-file\n")
    env = _production_env(tmp_path, EMAIL_HOST_PASSWORD_FILE=str(password_file))
    expected_key = Path(env["SECRET_KEY_FILE"]).read_text().strip()
    jwt_key = Path(env["JWT_SIGNING_KEY_FILE"]).read_text().strip()
    probe = (
        "from django.conf import settings as s; "
        f"print(s.SECRET_KEY == {expected_key!r}, s.SIMPLE_JWT['SIGNING_KEY'] == {jwt_key!r}, "
        "s.EMAIL_HOST_PASSWORD == 'smtp-secret-from-file')"
    )
    result = _manage(env, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


def test_it_refuses_to_start_when_a_secret_file_is_missing(tmp_path: Path) -> None:
    env = _production_env(tmp_path, SECRET_KEY_FILE=str(tmp_path / "absent"))
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY_FILE points to a missing file" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PROBE, "/api/docs/", "/healthz"])
def test_it_sends_the_security_headers(path: str, patient) -> None:
    client = Client()
    client.force_login(patient.user)
    response = client.get(path, secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_it_marks_session_and_csrf_cookies_secure_and_http_only() -> None:
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert not settings.DEBUG


@pytest.mark.django_db
def test_it_redirects_plain_http_to_https_except_the_health_probe() -> None:
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        redirected = client.get(PROBE)
        probe = client.get("/healthz")
    assert redirected.status_code == 301
    assert redirected["Location"] == f"https://testserver{PROBE}"
    assert probe.status_code in (200, 503)  # answered, not redirected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200),  # a browser
        ("text/html", 406),  # HTML only: refused, and the refusal is JSON too
    ],
)
def test_it_answers_json_to_a_browser_asking_for_html(api, patient, accept, status) -> None:
    response = api(patient.user).get(PROBE, HTTP_ACCEPT=accept)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert b"<html" not in response.content.lower()


def test_it_has_no_browsable_api_renderer_in_production() -> None:
    renderers = settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    assert renderers == ["core.renderers.ORJSONRenderer"]  # JSON only (issue 23: via orjson)
