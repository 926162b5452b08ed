"""The triage rule set is loaded when a web or Celery worker starts, not in a patient's request."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.signals import worker_init, worker_process_init

from backend.celery import _announce_process_ready as _warm_triage_rules
from recovery.services.triage_facts import triage_ruleset
from recovery.triage import clear_ruleset_cache
from recovery.triage.loader import _load_cached

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "backend" / "gunicorn.conf.py"


@pytest.fixture
def cold() -> None:
    clear_ruleset_cache()
    assert _load_cached.cache_info().currsize == 0


def _loaded() -> bool:
    return _load_cached.cache_info().currsize == 1


def test_gunicorn_preloads_the_app_and_loads_the_rules_in_the_master(cold) -> None:
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["preload_app"] is True
    conf["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
    assert _loaded()


def test_the_gunicorn_master_leaves_the_rules_to_workers_without_preloading(cold) -> None:
    conf = runpy.run_path(str(GUNICORN_CONF))
    conf["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
    assert not _loaded()
    conf["post_worker_init"](SimpleNamespace())
    assert _loaded()


def test_it_serves_the_warmed_rule_set_to_check_ins(cold) -> None:
    runpy.run_path(str(GUNICORN_CONF))["post_worker_init"](SimpleNamespace())
    warmed = _load_cached.cache_info()
    triage_ruleset()
    assert _load_cached.cache_info().hits == warmed.hits + 1  # no second load


@pytest.mark.parametrize("signal", [worker_init, worker_process_init], ids=lambda s: s.name)
def test_celery_workers_load_the_rules_when_they_start(signal) -> None:
    # Sending the signal itself would also run Celery's Django fixup (it closes connections).
    assert _warm_triage_rules in signal._live_receivers(None)


def test_the_celery_hook_loads_the_rules(cold) -> None:
    _warm_triage_rules()
    assert _loaded()
