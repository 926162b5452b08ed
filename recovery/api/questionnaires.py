"""Questionnaire contract (issue 18): answers typed per instrument, and the form an app renders.

The instrument definitions (recovery/instruments/*.yaml) are the single source: the OpenAPI
schema builds one submission and one response variant per enabled instrument from them, joined
by a discriminator on `instrument`, so a generated client knows that ODI answers are a list of
10 (0-5 or null) and NRS answers are {"back", "leg"} before it sends anything.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from recovery import instruments
from recovery.api.permissions import IsPatient
from recovery.models import QuestionnaireResponse
from recovery.services.questionnaires import instrument_wording

# The form's `wording` value: whether the deployment has the instrument's text to show.
WORDING_INSTALLED = "installed"
WORDING_NOT_LICENSED = "not_licensed"
WORDING_CHOICES = [
    (WORDING_INSTALLED, "The wording file is installed: show prompt and option labels."),
    (
        WORDING_NOT_LICENSED,
        "No wording is installed (licensed text is never shipped): show the placeholders.",
    ),
]


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def enabled_instruments() -> list[instruments.Instrument]:
    return [i for i in instruments.load_instruments().values() if i.enabled]


def _item_schema(item: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": item.value_type,
        "minimum": item.min,
        "maximum": item.max,
        "description": item.title + (" (null: skipped)" if item.skippable else ""),
    }
    if item.skippable:
        schema["nullable"] = True
    return schema


def answers_schema(instrument: instruments.Instrument) -> dict[str, Any]:
    """The JSON schema of one instrument's `answers`, from its definition."""
    items = instrument.items
    if instrument.answer_format == "ordered_list":
        # One value per item, in the definition's order (the same range on every ODI item).
        lows, highs = {i.min for i in items}, {i.max for i in items}
        item_schema: dict[str, Any] = {"type": "integer", "minimum": min(lows)}
        item_schema["maximum"] = max(highs)
        if any(i.skippable for i in items):
            item_schema["nullable"] = True
        return {
            "type": "array",
            "items": item_schema,
            "minItems": len(items),
            "maxItems": len(items),
            "description": f"{instrument.name}: one value per item, in this order: "
            + ", ".join(i.key for i in items)
            + ".",
        }
    return {
        "type": "object",
        "properties": {i.key: _item_schema(i) for i in items},
        "required": [i.key for i in items if not i.skippable],
        "additionalProperties": False,
        "description": f"{instrument.name}: one value per item key.",
    }


def _answers_field(instrument: instruments.Instrument) -> type[serializers.JSONField]:
    name = f"{_camel(instrument.code)}AnswersField"
    field = type(name, (serializers.JSONField,), {"__module__": __name__})
    return extend_schema_field(answers_schema(instrument))(field)


_INSTRUMENT_FIELD_HELP = "The instrument code; decides the shape of `answers`."


def _submit_variant(instrument: instruments.Instrument) -> type[serializers.Serializer]:
    return type(
        f"{_camel(instrument.code)}QuestionnaireSubmitInputSerializer",
        (serializers.Serializer,),
        {
            "__module__": __name__,
            "__doc__": f"Answers to the {instrument.name}.",
            "id": serializers.UUIDField(),
            "instrument": serializers.CharField(help_text=_INSTRUMENT_FIELD_HELP),
            "timepoint": serializers.ChoiceField(choices=QuestionnaireResponse.Timepoint.choices),
            "answers": _answers_field(instrument)(),
        },
    )


def _response_variant(
    base: type[serializers.ModelSerializer], instrument: instruments.Instrument
) -> type[serializers.ModelSerializer]:
    return type(
        f"{_camel(instrument.code)}QuestionnaireResponseOutputSerializer",
        (base,),
        {
            "__module__": __name__,
            "__doc__": f"A stored {instrument.name} response, scored on the server.",
            "instrument": serializers.CharField(help_text=_INSTRUMENT_FIELD_HELP),
            "answers": _answers_field(instrument)(),
        },
    )


def questionnaire_submit_schema() -> PolymorphicProxySerializer:
    """The POST body: one variant per enabled instrument, discriminated by `instrument`."""
    return PolymorphicProxySerializer(
        component_name="QuestionnaireSubmitInput",
        serializers={i.code: _submit_variant(i) for i in enabled_instruments()},
        resource_type_field_name="instrument",
        many=False,
    )


def questionnaire_response_schema(
    base: type[serializers.ModelSerializer], *, many: bool = False
) -> PolymorphicProxySerializer:
    """A stored response: one variant per instrument, discriminated by `instrument`.

    Every shipped instrument is listed, enabled or not: stored answers outlive a switch-off.
    """
    return PolymorphicProxySerializer(
        component_name="QuestionnaireResponseOutput",
        serializers={
            code: _response_variant(base, instrument)
            for code, instrument in instruments.load_instruments().items()
        },
        resource_type_field_name="instrument",
        many=many,
    )


# --- the form ---------------------------------------------------------------------------------


class QuestionnaireFormOptionOutputSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    # A field named `label` shadows Field.label in the stubs; DRF reads declared fields.
    label = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text="The licensed option text; null when it is not installed."
    )
    placeholder = serializers.CharField(help_text="What to show when `label` is null.")


class QuestionnaireFormItemOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField(help_text="The section title (always shown).")
    value_type = serializers.ChoiceField(choices=[("integer", "integer"), ("number", "number")])
    min = serializers.FloatField()
    max = serializers.FloatField()
    skippable = serializers.BooleanField(help_text="May be answered with null.")
    prompt = serializers.CharField(
        allow_null=True, help_text="The licensed question text; null when it is not installed."
    )
    prompt_placeholder = serializers.CharField(help_text="What to show when `prompt` is null.")
    options = QuestionnaireFormOptionOutputSerializer(
        many=True,
        help_text="Each answer value from min to max (integer items; empty for a number).",
    )


class QuestionnaireFormOutputSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    instrument_name = serializers.CharField()
    version = serializers.CharField()
    definition_version = serializers.IntegerField()
    answer_format = serializers.ChoiceField(
        choices=[
            ("ordered_list", "answers is a list, one value per item in `items` order"),
            ("keyed", "answers is an object keyed by item `key`"),
        ]
    )
    wording = serializers.ChoiceField(choices=WORDING_CHOICES)
    licence_note = serializers.CharField(help_text="Who holds the wording and why it may lack.")
    title = serializers.CharField(allow_null=True)
    instructions = serializers.CharField(allow_null=True)
    items = QuestionnaireFormItemOutputSerializer(many=True)


def _form_item(item: Any, wording: Any) -> dict[str, Any]:
    text = wording.items.get(item.key) if wording else None
    labels = text.options if text else {}
    options = (
        [
            {"value": v, "label": labels.get(v), "placeholder": str(v)}
            for v in range(item.min, item.max + 1)
        ]
        if item.value_type == "integer"
        else []
    )
    return {
        "key": item.key,
        "title": item.title,
        "value_type": item.value_type,
        "min": item.min,
        "max": item.max,
        "skippable": item.skippable,
        "prompt": text.prompt if text else None,
        "prompt_placeholder": item.title,
        "options": options,
    }


def questionnaire_form(code: str) -> dict[str, Any]:
    """The form of one enabled instrument; ApplicationError 404 for any other code."""
    found = {i.code: i for i in enabled_instruments()}.get(code)
    if found is None:
        raise ApplicationError("No such questionnaire.", code="not_found", status_code=404)
    wording = instrument_wording(code)
    return {
        "instrument": found.code,
        "instrument_name": found.name,
        "version": found.version,
        "definition_version": found.definition_version,
        "answer_format": found.answer_format,
        "wording": WORDING_INSTALLED if wording else WORDING_NOT_LICENSED,
        "licence_note": found.licence.note,
        "title": wording.title if wording else None,
        "instructions": wording.instructions if wording else None,
        "items": [_form_item(item, wording) for item in found.items],
    }


class MyQuestionnaireFormApi(APIView):
    """The form an app renders for one instrument: items, answer values and format.

    Licensed wording (the ODI's) is never shipped: unless the deployment installed it
    (settings.INSTRUMENT_WORDING_DIR), `wording` is "not_licensed", every `prompt` and option
    `label` is null, and the app shows `prompt_placeholder` and option `placeholder` instead.
    """

    permission_classes = [IsPatient]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "instrument",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="An instrument code: odi, nrs_pain, promis_pf.",
            )
        ],
        responses=QuestionnaireFormOutputSerializer,
    )
    def get(self, request: Request, instrument: str) -> Response:
        return Response(QuestionnaireFormOutputSerializer(questionnaire_form(instrument)).data)
