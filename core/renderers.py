"""The API's JSON renderer: DRF's output, written by orjson (issue 23).

Same bytes as rest_framework.renderers.JSONRenderer with the project's settings (compact,
UTF-8, U+2028/U+2029 escaped): orjson writes str, int, float, bool, None, dict, list, tuple,
UUID and enums itself, and hands everything else (dates and times included, so they keep DRF's
"Z" form; lazy translations, Decimal, QuerySet ...) to DRF's encoder. What orjson refuses
(an integer beyond 64 bits) and indented output (`Accept: application/json; indent=4`) go to
DRF's renderer unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default
# JSON allows these raw; JavaScript string literals do not (DRF escapes them too).
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class ORJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body
