"""A tier's price multiplier, apart from the tier models: what an impression or a selection records of it
needs no tier catalog (nor the archetypes and urgency levels the tiers name)."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from nudge.models import AS_JSON_NUMBER, JSON_NUMBER, number_schema

Multiplier = Annotated[
    Decimal,
    JSON_NUMBER,
    Field(gt=0, le=10, max_digits=6, decimal_places=4),
    AS_JSON_NUMBER,
    number_schema(0, 10, 4, exclusive=True),
]
