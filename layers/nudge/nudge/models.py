"""The base of every Nudge model, the short text field several capabilities share, and how a validation error
names the field it is about."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from nudge.errors import RequestInvalid


class NudgeModel(BaseModel):
    """Unknown fields are refused. Validators are built on first use, not at import, so a function
    pays at cold start only for the models its own request path touches."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must not contain control characters")
    return value


# A name or a label: one line of printable text.
ShortText = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(printable)]


def field_path(location: Sequence[int | str]) -> str:
    """("events", 0, "amount") -> "events[0].amount"; union tags (they contain dots) are skipped."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "." not in part:
            path += f".{part}" if path else part
    return path


def request_invalid(error: ValidationError) -> RequestInvalid:
    """A validation failure as the 422 naming each field. A rule over a whole body (a model validator)
    has no field of its own: it names the body."""
    return RequestInvalid([(field_path(problem["loc"]) or "body", problem["msg"]) for problem in error.errors()])


def _json_number(value: Any, info: ValidationInfo) -> Any:
    """In a request (JSON) a decimal is a JSON number; code and stored items may pass exact decimal text."""
    if isinstance(value, bool) or (info.mode == "json" and isinstance(value, str)):
        raise PydanticCustomError("json_number", "must be a JSON number")
    if isinstance(value, (int, float)):
        # The shortest text of a JSON number is what the client wrote: 12.34 stays exactly 12.34.
        return Decimal(str(value))
    return value


JSON_NUMBER = BeforeValidator(_json_number)
"""For Decimal fields of requests: pydantic would otherwise also accept numeric strings, even when strict."""


def _as_json_number(value: Decimal) -> float:
    return float(value)


class _AsJsonNumber:
    """What `PlainSerializer(_as_json_number, return_type=float, when_used="json")` does, through pydantic's
    schema hook: pydantic.functional_serializers, PlainSerializer's module, would cost every function about 4 ms
    of cold start to import."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        cast(dict[str, Any], schema)["serialization"] = core_schema.plain_serializer_function_ser_schema(
            _as_json_number, return_schema=core_schema.float_schema(), when_used="json"
        )
        return schema


AS_JSON_NUMBER = _AsJsonNumber()
"""For Decimal fields of responses: written as a JSON number rather than pydantic's decimal string."""


def number_schema(low: float, high: float, places: int, *, exclusive: bool = False) -> WithJsonSchema:
    """The request schema of a decimal: a JSON number only (pydantic documents a string too)."""
    bound = {"exclusiveMinimum": low} if exclusive else {"minimum": low}
    schema = {"type": "number", **bound, "maximum": high, "description": f"At most {places} decimal places"}
    return WithJsonSchema(schema, mode="validation")
