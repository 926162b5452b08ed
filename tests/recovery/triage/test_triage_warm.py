"""The triage rule set is loaded when a web or Celery worker starts, not in a patient's request."""

import runpy
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.signals import worker_init, worker_process_init

import recovery.pathways as pathways
from backend.celery import _announce_process_ready as _warm_triage_rules
from recovery.models import Surgery
from recovery.services.triage_facts import _pathway_follow_up_days, triage_context, triage_ruleset
from recovery.triage import clear_ruleset_cache
from recovery.triage.loader import _load_cached
from tests.factories import PatientFactory

GUNICORN_CONF = Path(__file__).resolve().parents[3] / "backend" / "gunicorn.conf.py"


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


# ------------------------------------------------------------- the context the rules see


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("technique", "approach"), [("llif", "mis"), ("olif", "mis"), ("tlif", "open")]
)
def test_it_gives_the_rules_the_operations_technique_and_approach(technique, approach) -> None:
    # Approach-specific rules (expected thigh symptoms after LLIF/OLIF) depend on it.
    patient = PatientFactory(
        timezone="UTC",
        surgery__date=date(2026, 1, 1),
        surgery__technique=technique,
        surgery__approach=approach,
    )
    surgery = Surgery.objects.get(patient=patient)
    context = triage_context(
        patient=patient, surgery=surgery, at=datetime(2026, 1, 4, 12, tzinfo=UTC)
    )
    assert (context.technique, context.approach, context.postop_day) == (technique, approach, 3)
    assert context.follow_up_days is None  # no pathway names a window: the rules' default


def test_it_takes_the_follow_up_window_from_the_pathway_when_it_names_one(monkeypatch) -> None:
    template = SimpleNamespace(follow_up_days=180)
    monkeypatch.setattr(pathways, "pathway_for_technique", lambda technique: template)
    assert _pathway_follow_up_days("llif") == 180
    template.follow_up_days = 0  # not a window
    assert _pathway_follow_up_days("llif") is None
