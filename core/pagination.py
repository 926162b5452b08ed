from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


def page_size_from(request: Request, *, param: str, default: int, maximum: int) -> int:
    """The requested page size; DRF silently falls back on a bad value, we say what is wrong."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise ValidationError({param: [f"A whole number from 1 to {maximum}."]})
    return size


class CreatedCursorPagination(CursorPagination):
    """Newest first; a cursor stays stable while a phone pages and new rows arrive."""

    ordering: str | list[str] | tuple[str, ...] = "-created_at"  # subclasses may use a tuple
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return page_size_from(
            request,
            param=self.page_size_query_param,
            default=self.page_size,
            maximum=self.max_page_size,
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
