"""Logging filters that keep patient data out of log records (see docs/security.md)."""

import logging


class DropExceptionDetail(logging.Filter):
    """Keep the record's message, drop its exception.

    Django's template engine logs every missing variable at DEBUG with `exc_info`, and the
    exception (VariableDoesNotExist) quotes the whole template context: on a patient page that
    is names, symptoms and notes. The message alone (variable and template name) is enough.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
