"""Model fields shared by the clinical models."""

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property

# Limits shared by the free-text fields and their serializers (issue 17).
FREE_TEXT_MAX = 2000  # a clinician's note or reason, an implant description
TEMPLATE_TEXT_MAX = 4000  # text copied from reviewed pathway data (longest today: ~260)


class BoundedTextField(models.TextField):
    """Free text with a length limit the database enforces, not only forms and serializers.

    A plain TextField ignores `max_length` outside forms, so a service that saves without
    full_clean() could store megabytes. This one validates like a CharField and adds a CHECK
    on the column (`length(col) <= max_length`, portable across PostgreSQL and SQLite), so the
    limit holds for every write path.
    """

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        # Through kwargs: mypy cannot rule out *args also filling max_length positionally.
        kwargs["max_length"] = max_length
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self) -> list[Any]:
        return [*super().validators, MaxLengthValidator(self.max_length)]

    def db_check(self, connection: Any) -> str:
        return f'length("{self.column}") <= {int(self.max_length)}'  # type: ignore[arg-type]
