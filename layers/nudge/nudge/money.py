"""Money as requests carry it: exact decimals with at most two places, JSON numbers on the way out."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

MAX_AMOUNT = 10_000_000
_AS_NUMBER = PlainSerializer(float, return_type=float, when_used="json")

Price = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2), _AS_NUMBER]
"""A price that must be above zero."""

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]

NonNegativeAmount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2), _AS_NUMBER]
"""A fee, or an offer that may be free."""

SignedAmount = Annotated[Decimal, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, max_digits=10, decimal_places=2), _AS_NUMBER]
"""An amount checked by the domain rather than the schema (an anchor, whose sign error names the field)."""
