import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from backend import checks
from backend.settings import env

ROOT = Path(__file__).resolve().parent.parent


def _run_manage(*args: str, env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_runs_the_suite_on_real_postgresql(db: None) -> None:
    assert connection.vendor == "postgresql"


def test_it_runs_the_suite_on_real_redis() -> None:
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("suite-probe", "yes", 10)
    assert cache.get("suite-probe") == "yes"


def test_it_refuses_to_start_without_a_secret_key_when_not_debugging() -> None:
    result = _run_manage("check", env_overrides={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_it_names_the_missing_secret_key_for_every_command() -> None:
    # makemigrations used to hide the settings error behind AppRegistryNotReady.
    result = _run_manage("makemigrations", "--check", env_overrides={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
    assert "AppRegistryNotReady" not in result.stderr


def test_it_passes_the_deploy_checks_with_a_real_secret(tmp_path: Path) -> None:
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        env_overrides={
            "DEBUG": "false",
            "SECRET_KEY": "a-real-deployment-secret-" + "x" * 40,
            "ALLOWED_HOSTS": "recovery.example.org",
            "VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr


def test_it_reads_secrets_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret_file))
    assert env.env_secret("SOME_SECRET") == "from-a-file"


def test_it_fails_loudly_on_a_missing_secret_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_SECRET_FILE", "/nonexistent/secret")
    with pytest.raises(ImproperlyConfigured, match="missing file"):
        env.env_secret("SOME_SECRET")


@pytest.mark.parametrize("raw", ["yes", "1", "True!"])
def test_it_rejects_ambiguous_booleans(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="must be 'true' or 'false'"):
        env.env_bool("SOME_FLAG", False)


def test_it_rejects_non_integer_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("SOME_NUMBER", 1)


def test_it_stores_times_in_utc() -> None:
    assert settings.TIME_ZONE == "UTC" and settings.USE_TZ


@override_settings(TIME_ZONE="Europe/London")
def test_it_reports_a_non_utc_time_zone() -> None:
    assert [e.id for e in checks.check_time_zone(None)] == ["backend.E001"]


@override_settings(PUSH_ENABLED=True, FCM_CREDENTIALS_FILE=None)
def test_it_reports_push_enabled_without_credentials() -> None:
    assert [e.id for e in checks.check_push_credentials(None)] == ["backend.E002"]


@override_settings(DEBUG=False, CELERY_BROKER_URL="filesystem://")
def test_it_warns_about_the_filesystem_broker_in_production() -> None:
    assert [w.id for w in checks.check_broker_in_production(None)] == ["backend.W001"]


def test_it_keeps_access_tokens_short_lived() -> None:
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() <= 15 * 60


def test_it_hashes_passwords_with_argon2_outside_tests(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings.base",
            "DEBUG": "true",
            "VAR_DIR": str(tmp_path),
        },
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
