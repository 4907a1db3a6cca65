"""A tier's price multiplier, apart from the tier models: what an impression or a selection records of it
needs no tier catalog (nor the archetypes and urgency levels the tiers name)."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from nudge.models import JSON_NUMBER, number_schema

Multiplier = Annotated[
    Decimal,
    JSON_NUMBER,
    Field(gt=0, le=10, max_digits=6, decimal_places=4),
    PlainSerializer(float, return_type=float, when_used="json"),
    number_schema(0, 10, 4, exclusive=True),
]
