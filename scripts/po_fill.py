"""Fill a .po file's empty msgstr entries from a Python dict (msgid -> translation).

    python scripts/po_fill.py locale/es/LC_MESSAGES/django.po TRANSLATIONS.py

A helper for translators after `makemessages`: the dict file defines `ES = {...}`. Entries it
does not know stay empty, so tests/i18n/test_messages.py names them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ENTRY = re.compile(r'((?:^msgid (?:"(?:[^"\\]|\\.)*"\n?)+))(^msgstr ""\n(?!"))', re.M)


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_text: str, translations: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        msgid = _unquote(match.group(1)[len("msgid ") :])
        if msgid and msgid in translations:
            return f"{match.group(1)}msgstr {_quote(translations[msgid])}\n"
        return match.group(0)

    return ENTRY.sub(replace, po_text)


if __name__ == "__main__":
    po, source = Path(sys.argv[1]), Path(sys.argv[2])
    namespace: dict[str, dict[str, str]] = {}
    exec(source.read_text(encoding="utf-8"), namespace)  # noqa: S102 - a translator's own file
    po.write_text(fill(po.read_text(encoding="utf-8"), namespace["ES"]), encoding="utf-8")
