"""The worklist's patient rows and each flag's actions as HTML, built in Python.

These are the worklist's hot loop. As template loops (three includes, the `date`, `timesince`
and `label` filters and ~70 variable lookups per flag) they cost ~0.75 ms of CPU per patient,
two thirds of the page's rendering; built here as f-strings they cost a quarter of that
(bench/dashboard.py, docs/benchmarks.md section 3c). The markup is the templates' markup:
every value interpolated into the markup goes through `_e` (the standard library's
html.escape that Django's `escape` wraps, without its lazy-string wrapper: ~1,200 calls a
page); times show in the active zone.
The patient page uses the same flag actions and owner, so the two pages cannot drift apart.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import dateformat, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from recovery.dashboard.forms import label_for
from recovery.models import Flag

# A flag id -> its actions' URLs ("acknowledge", "assign", "unassign", "resolve").
UrlsOf = Callable[[Any], dict[str, str]]

SEVERITY_ICONS = {"emergency": "\u25b2", "urgent": "\u25c6", "routine": "\u25cf"}


@dataclass(frozen=True)
class PageForms:
    """What every form on the page shares: the viewer, the CSRF token and where to go back."""

    user_id: Any
    csrf_token: str
    back: str
    outcome_options: SafeString


def _e(value: object) -> str:
    return html.escape(str(value))


def severity_badge(severity: str) -> SafeString:
    """Shape and word as well as colour, so severity reads in grey-scale and to screen readers."""
    icon = SEVERITY_ICONS.get(severity, "\u25cb")
    return mark_safe(  # noqa: S308 - escaped
        f'<span class="severity severity-{_e(severity)}"><span class="severity-icon" '
        f'aria-hidden="true">{icon}</span> {_e(severity.capitalize())}</span>'
    )


def _local(at: datetime) -> datetime:
    return timezone.localtime(at) if timezone.is_aware(at) else at


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def flag_owner(flag: Flag, *, user_id: Any) -> SafeString:
    """Who took the flag ("Assign to me", issue 16)."""
    if not flag.owner_id:
        return mark_safe('<span class="owner">Not assigned</span>')
    you = " (you)" if flag.owner_id == user_id else ""
    return mark_safe(  # noqa: S308 - escaped
        f'<span class="owner" data-owner-id="{_e(flag.owner_id)}">Assigned to '
        f"<strong>{_e(_person(flag.owner))}</strong>{you}</span>"
    )


def _post(url: str, forms: PageForms, body: str) -> str:
    return (
        f'<form method="post" action="{_e(url)}">\n'
        f'    <input type="hidden" name="csrfmiddlewaretoken" value="{_e(forms.csrf_token)}">'
        f'<input type="hidden" name="next" value="{_e(forms.back)}">\n'
        f"    {body}\n  </form>"
    )


def flag_actions(flag: Flag, *, who: str, forms: PageForms, urls: dict[str, str]) -> SafeString:
    """Acknowledge (an open flag), assign to me or give back, and resolve with an outcome.

    `urls` maps the action ("acknowledge", "assign", "unassign", "resolve") to its URL.
    """
    label = _e(label_for(flag.category))
    for_who = f" for {_e(who)}" if who else ""
    parts = []
    if flag.status == Flag.Status.OPEN:
        parts.append(
            _post(
                urls["acknowledge"],
                forms,
                f'<button type="submit" aria-label="Acknowledge {label} flag{for_who}">'
                "Acknowledge</button>",
            )
        )
    if flag.owner_id == forms.user_id:
        button = (
            f'<button type="submit" class="button-secondary" aria-label="Give back: {label} '
            f'flag{for_who}">Give back</button>'
        )
        parts.append(_post(urls["unassign"], forms, button))
    else:
        button = (
            f'<button type="submit" aria-label="Assign to me: {label} flag{for_who}">'
            "Assign to me</button>"
        )
        parts.append(_post(urls["assign"], forms, button))
    flag_id = _e(flag.id)
    resolve = (
        f'<p><label for="outcome-{flag_id}">Outcome</label>\n'
        f'        <select name="outcome" id="outcome-{flag_id}" required>\n'
        '          <option value="">Choose…</option>\n'
        f"          {conditional_escape(forms.outcome_options)}\n"
        "        </select></p>\n"
        f'      <p><label for="note-{flag_id}">Note</label>\n'
        f'        <textarea name="note" id="note-{flag_id}" rows="2" maxlength="2000">'
        "</textarea></p>\n"
        '      <p><button type="submit">Resolve flag</button></p>'
    )
    parts.append(
        '<details class="resolve">\n'
        f"    <summary>Resolve {_e(label_for(flag.category).lower())}…</summary>\n"
        f"    {_post(urls['resolve'], forms, resolve)}\n  </details>"
    )
    return mark_safe('<div class="actions">\n  ' + "\n  ".join(parts) + "\n</div>")  # noqa: S308


def reported_by(name: str, relationship: str) -> SafeString:
    """ "reported by Maria (daughter)" (issue 22)."""
    if not name:
        return mark_safe("")
    who = f"{_e(name)} ({_e(relationship)})" if relationship else _e(name)
    return mark_safe(f'<span class="reported-by">reported by {who}</span>')  # noqa: S308


def _acknowledged(flag: Flag, now: datetime) -> str:
    if flag.acknowledged_by_id:
        at = _local(flag.acknowledged_at) if flag.acknowledged_at else None
        return (
            f"acknowledged by {_e(_person(flag.acknowledged_by))}, "
            f'<time datetime="{at.isoformat() if at else ""}">'
            f"{_e(dateformat.format(at, 'j M H:i')) if at else ''}</time>"
        )
    return (
        f'raised <time datetime="{_local(flag.opened_at).isoformat()}">'
        f"{_e(timesince(flag.opened_at, now))} ago</time>, not yet acknowledged"
    )


def _problem(problem: Any, *, who: str, forms: PageForms, url_of: UrlsOf, now: datetime) -> str:
    flag = problem.flag
    answers = (
        f': <span class="flag-answers">{_e(problem.answers)}</span>' if problem.answers else ""
    )
    reporter = getattr(flag, "reported_by_name", "")
    if reporter:
        answers += " · " + reported_by(reporter, getattr(flag, "reported_by_relationship", ""))
    return (
        f'<li class="flag-item" data-flag-id="{_e(flag.id)}">\n'
        f"              {severity_badge(flag.severity)} "
        f"<strong>{_e(label_for(flag.category))}</strong>{answers}\n"
        f'              <span class="meta">{_acknowledged(flag, now)} · '
        f"{flag_owner(flag, user_id=forms.user_id)}</span>\n"
        f"              {flag_actions(flag, who=who, forms=forms, urls=url_of(flag.id))}\n"
        "            </li>"
    )


def worklist_row(
    view: Any, *, forms: PageForms, patient_url: str, url_of: UrlsOf, now: datetime
) -> str:
    """One patient's <tr>: severity, name and day, waiting time, and every live flag."""
    row = view.row
    patient = row.patient
    who = f"{patient.first_name} {patient.last_name}"
    day = f"Day {row.postop_day}" if row.postop_day is not None else "No surgery day"
    if row.approach:
        day += f" · {row.approach}"
    if row.waiting_since:
        since = _local(row.waiting_since)
        waiting = (
            f'<time datetime="{since.isoformat()}" '
            f'title="Since {_e(dateformat.format(since, "j M Y H:i T"))}">'
            f"{_e(timesince(row.waiting_since, now))}</time>"
        )
    else:
        waiting = "Acknowledged"
    problems = "\n            ".join(
        _problem(p, who=who, forms=forms, url_of=url_of, now=now) for p in view.problems
    )
    return (
        f'<tr class="patient-row flag-{_e(row.severity)}" data-patient-id="{_e(patient.id)}">\n'
        f"        <td>{severity_badge(row.severity)}</td>\n"
        '        <th scope="row">\n'
        f'          <a href="{_e(patient_url)}">{_e(patient.last_name)}, '
        f"{_e(patient.first_name)}</a>\n"
        f'          <span class="meta">{_e(day)}</span>\n'
        "        </th>\n"
        f"        <td>{waiting}</td>\n"
        "        <td>\n"
        '          <p class="answers"><span class="visually-hidden">Reported: </span>'
        f"{_e(view.answers or 'No answers recorded')}</p>\n"
        '          <ul class="problems">\n'
        f"            {problems}\n"
        "          </ul>\n"
        "        </td>\n"
        "      </tr>"
    )
