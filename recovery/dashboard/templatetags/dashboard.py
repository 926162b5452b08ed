"""Template helpers: plain-language labels, severity badges, time-zone note."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from uuid import UUID

from django import template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from recovery.dashboard import flag_markup
from recovery.dashboard.forms import label_for
from recovery.dashboard.timezones import zone_name_for

register = template.Library()


@register.filter
def label(code: str) -> str:
    return label_for(str(code))


_PLACEHOLDER = UUID(int=0)


@lru_cache(maxsize=64)
def _url_pattern(name: str, script_prefix: str) -> str:
    return reverse(name, args=[_PLACEHOLDER])


@register.filter
def id_url(object_id: object, name: str) -> str:
    """`{% url name object_id %}` for a URL whose only argument is a UUID, without resolving
    the pattern again for every row: the worklist links every row three times (hundreds of
    reverse() calls a page). A UUID's text needs no quoting, so substitution is exact.
    """
    return _url_pattern(name, get_script_prefix()).replace(str(_PLACEHOLDER), str(object_id))


# The patient page repeats these for hundreds of rows (400 check-ins a chart, 300 timeline
# events); as template loops they were most of the page's time. Same markup, built in one call.


@register.simple_tag
def chart_rows(rows: list[tuple[object, ...]]) -> SafeString:
    """The <tr><td>…</td></tr> rows of a chart's number table, cells as `{{ cell }}` shows them."""
    return mark_safe(  # noqa: S308 - every cell goes through conditional_escape
        "".join(
            "<tr>" + "".join(f"<td>{conditional_escape(_cell(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
    )


def _cell(value: object) -> str:
    # localize() of an int without thousand separators is str(int); skipping its format
    # lookups halves the table's cost (most cells are day numbers and 0-10 scores).
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return str(formats.localize(value))


@register.simple_tag
def timeline_items(events: list[Any]) -> SafeString:
    """The timeline's <li>s, times in the active zone as the `date` filter shows them, laid
    out as the `{% for %}` loop they replace (the same white space between items)."""
    day_labels: dict[Any, str] = {}  # "j M Y" once per calendar day, not once per event
    items = []
    for event in events:
        at = timezone.localtime(event.at) if timezone.is_aware(event.at) else event.at
        day = at.date()
        if day not in day_labels:
            day_labels[day] = formats.date_format(day, "j M Y")
        item = format_html(
            '<li class="timeline-item timeline-{}">\n'
            '      <time datetime="{}">{} {}</time>\n'
            '      <span class="kind">{}</span>\n'
            '      <span class="what">{}</span>\n'
            "    </li>",
            event.kind,
            at.isoformat(),  # what the `c` format is (DateFormat.c), without the format parser
            day_labels[day],
            at.strftime("%H:%M"),  # "H:i"
            event.kind_label,
            event.text,
        )
        items.append(f"\n    {item}\n    ")
    return mark_safe("".join(items))  # noqa: S308 - each item is format_html output


@register.simple_tag
def severity_badge(severity: str) -> SafeString:
    return flag_markup.severity_badge(severity)


_FLAG_ACTIONS = ("acknowledge", "assign", "unassign", "resolve")


def _flag_urls(flag_id: object) -> dict[str, str]:
    return {action: id_url(flag_id, f"dashboard:flag-{action}") for action in _FLAG_ACTIONS}


def _page_forms(context: Any, back: str = "") -> flag_markup.PageForms:
    request = context["request"]
    return flag_markup.PageForms(
        user_id=context["user"].id,
        csrf_token=str(context.get("csrf_token", "")),
        back=back or request.get_full_path(),
        outcome_options=context.get("outcome_options", ""),
    )


@register.simple_tag(takes_context=True)
def worklist_row_items(context: Any, rows: list[Any]) -> SafeString:
    """The worklist's patient rows (recovery/dashboard/flag_markup.py: the hot loop)."""
    forms = _page_forms(context, back=context.get("back_url", ""))
    now = timezone.now()
    return mark_safe(  # noqa: S308 - flag_markup escapes every value it interpolates (_e)
        "\n      ".join(
            flag_markup.worklist_row(
                view,
                forms=forms,
                patient_url=id_url(view.row.patient.id, "dashboard:patient"),
                url_of=_flag_urls,
                now=now,
            )
            for view in rows
        )
    )


@register.simple_tag(takes_context=True)
def flag_actions(context: Any, flag: Any, who: str = "", back: str = "") -> SafeString:
    """A flag's forms: acknowledge, assign to me or give back, resolve."""
    forms = _page_forms(context, back=back)
    return flag_markup.flag_actions(flag, who=who, forms=forms, urls=_flag_urls(flag.id))


@register.simple_tag(takes_context=True)
def flag_owner(context: Any, flag: Any) -> SafeString:
    return flag_markup.flag_owner(flag, user_id=context["user"].id)


@register.simple_tag(takes_context=True)
def zone_note(context: dict[str, Any]) -> str:
    request = context.get("request")
    if request is None:
        return ""
    name, source = zone_name_for(request)
    how = {"chosen": "your choice", "browser": "from your browser", "default": "default"}[source]
    return f"{name} ({how})"


@register.filter
def timepoint(code: str) -> str:
    return {
        "baseline": "Before surgery",
        "6w": "6 weeks",
        "3m": "3 months",
        "6m": "6 months",
        "12m": "12 months",
        "24m": "24 months",
    }.get(code, code)


def _hidden() -> SafeString:
    return format_html(
        '<span class="suppressed" title="Fewer patients than the minimum">{}</span>', "hidden"
    )


@register.simple_tag
def count_cell(cell: dict[str, Any] | None) -> SafeString | str:
    if not cell:
        return "—"
    return _hidden() if cell.get("suppressed") else str(cell["n"])


@register.simple_tag
def share_cell(cell: dict[str, Any] | None) -> SafeString | str:
    if not cell:
        return "—"
    if cell.get("suppressed"):
        return _hidden()
    return f"{round(cell['share'] * 100)}% of {cell['n']}"


@register.simple_tag
def score_cell(cell: dict[str, Any] | None) -> SafeString | str:
    if not cell:
        return "—"
    if cell.get("suppressed"):
        return _hidden()
    return f"{cell['median']:g} ({cell['p25']:g} to {cell['p75']:g})"


# --- issue 16, item 8: the answers strip's cells (a day x question grid, 14 x 24 cells) ---


def _strip_cell(cell: Any) -> str:
    mark = '<span class="strip-mark" aria-hidden="true">▲</span> ' if cell.notable else ""
    if cell.spoken:
        words = format_html(
            '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
            cell.text,
            cell.spoken,
        )
    else:
        words = conditional_escape(cell.text)
    notable = " strip-notable" if cell.notable else ""
    return f'<td class="strip-cell{notable}">{mark}{words}</td>'


@register.simple_tag
def strip_cells(cells: list[Any]) -> SafeString:
    """A strip row's <td>s, as the `{% for cell in row.cells %}` loop they replace wrote them
    (that loop was most of the page's render time). Equal cells are built once."""
    built: dict[Any, str] = {}
    out = []
    for cell in cells:
        if cell not in built:
            built[cell] = _strip_cell(cell)
        out.append(built[cell])
    return mark_safe("".join(out))  # noqa: S308 - every text goes through escaping
