"""System checks for the clinical content: a broken data file fails `manage.py check`."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_instruments(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """recovery.E003: questionnaire definitions, schedule, thresholds (and installed wording)."""
    from recovery import instruments

    try:
        loaded = instruments.load_instruments()
        instruments.load_schedule()
        instruments.load_thresholds()
        wording_dir = getattr(settings, "INSTRUMENT_WORDING_DIR", None)
        if wording_dir:
            for code in loaded:
                instruments.load_wording(code, Path(wording_dir) / f"{code}.yaml")
    except instruments.InstrumentError as exc:
        return [
            Error(
                "Questionnaire data files are invalid.",
                hint="; ".join(exc.problems),
                obj="recovery.instruments",
                id="recovery.E003",
            )
        ]
    return []
