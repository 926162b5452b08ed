"""Strict helpers for reading settings from the environment (healthchecks' envbool/envsecret).

A typo in a boolean or a missing secret file should stop the process at startup, not surface
as odd behaviour at 3 a.m.
"""

import os
from pathlib import Path
from typing import overload

from django.core.exceptions import ImproperlyConfigured


# A str default gives a str: settings such as CELERY_BROKER_URL are then typed as never None.
@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if not raw:
        return default
    if raw.lower() not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', got {raw!r}")
    return raw.lower() == "true"


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read NAME_FILE first (Docker/Kubernetes secrets), then NAME, then the default."""
    if path := os.environ.get(f"{name}_FILE"):
        secret_file = Path(path)
        if not secret_file.is_file():
            raise ImproperlyConfigured(f"{name}_FILE points to a missing file: {path}")
        return secret_file.read_text().strip()
    return env_str(name, default)
