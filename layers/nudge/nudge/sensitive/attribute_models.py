"""What a sensitive attribute is: its closed list of names, what a request sets, what is answered.

The names are exactly what the product never infers (income, race, ethnicity, caste, religion,
health, political affiliation, sexual orientation): these are stored only when the user states them
and consents, and nothing uses them for targeting or analytics.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from nudge.identifiers import UserId
from nudge.models import NudgeModel

AttributeName = Literal[
    "income_range",
    "race",
    "ethnicity",
    "caste",
    "religion",
    "health",
    "political_affiliation",
    "sexual_orientation",
]
MAX_VALUE_LENGTH = 200


def _stated(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank_value", "must not be blank")
    if not value.isprintable():  # one line of text, as a profile's name: no NUL, newline or other control character
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


def _consented(consent: bool) -> bool:
    if consent is not True:
        raise PydanticCustomError("consent_required", "must be true: a sensitive attribute is stored only with consent")
    return consent


class AttributesPath(NudgeModel):
    user_id: UserId


class AttributePath(AttributesPath):
    name: AttributeName


class SensitiveAttributeRequest(NudgeModel):
    value: Annotated[str, Field(min_length=1, max_length=MAX_VALUE_LENGTH), AfterValidator(_stated)]
    consent: Annotated[
        bool,
        AfterValidator(_consented),
        WithJsonSchema(
            {"type": "boolean", "const": True, "description": "The user's explicit consent to store the value"}
        ),
    ]


class SensitiveAttributeRecord(NudgeModel):
    """An attribute without its value: what a write answers and what an export lists."""

    name: AttributeName
    consented_at: datetime = Field(description="When the user first consented to storing it (every PUT repeats it)")
    updated_at: datetime = Field(description="When its value was last set")


class SensitiveAttribute(SensitiveAttributeRecord):
    value: str


class SensitiveAttributes(NudgeModel):
    user_id: str
    attributes: list[SensitiveAttribute] = Field(description="Sorted by name")
