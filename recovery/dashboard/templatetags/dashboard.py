"""Template helpers: plain-language labels, severity badges, time-zone note."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from recovery.dashboard.forms import label_for
from recovery.dashboard.timezones import zone_name_for

register = template.Library()

# Shape and word as well as colour, so severity reads in grey-scale and to screen readers.
SEVERITY_ICONS = {"emergency": "\u25b2", "urgent": "\u25c6", "routine": "\u25cf"}


@register.filter
def label(code: str) -> str:
    return label_for(str(code))


@register.simple_tag
def severity_badge(severity: str) -> SafeString:
    return format_html(
        '<span class="severity severity-{0}"><span class="severity-icon" aria-hidden="true">'
        "{1}</span> {2}</span>",
        severity,
        SEVERITY_ICONS.get(severity, "\u25cb"),
        severity.capitalize(),
    )


@register.simple_tag(takes_context=True)
def zone_note(context: dict[str, Any]) -> str:
    request = context.get("request")
    if request is None:
        return ""
    name, source = zone_name_for(request)
    how = {"chosen": "your choice", "browser": "from your browser", "default": "default"}[source]
    return f"{name} ({how})"
