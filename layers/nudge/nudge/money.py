"""Money: exact decimals with at most two places, rounding to cents written once, and the one list of
currencies every route accepts.

Requests carry amounts as JSON numbers only (a string such as "12" or "1_000" is refused, whatever
its digits); responses write them as JSON numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from nudge.models import AS_JSON_NUMBER, JSON_NUMBER, number_schema

MAX_AMOUNT = 10_000_000
CENTS = Decimal("0.01")

CURRENCIES: Mapping[str, tuple[str, int]] = {
    # code: (display prefix, decimals). A fixed set rather than locale data: the layer stays
    # dependency-free and the output is the same on every runtime.
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "GBP": ("£", 2),
    "JPY": ("¥", 0),
    "CAD": ("CA$", 2),
    "AUD": ("A$", 2),
    "CHF": ("CHF ", 2),
    "NZD": ("NZ$", 2),
    "SEK": ("SEK ", 2),
    "NOK": ("NOK ", 2),
    "DKK": ("DKK ", 2),
    "PLN": ("PLN ", 2),
    "CZK": ("CZK ", 2),
    "MXN": ("MX$", 2),
    "BRL": ("R$", 2),
    "INR": ("₹", 2),
    "SGD": ("SGD ", 2),
    "HKD": ("HK$", 2),
    "ZAR": ("ZAR ", 2),
    "AED": ("AED ", 2),
}
"""Currency amounts are accepted in, and savings are formatted in."""


def round_cents(value: Decimal) -> Decimal:
    """Half-up to cents: the one rounding of money amounts."""
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def cents(amount: Decimal) -> int:
    """Money summed in counters as whole cents, so DynamoDB's ADD stays exact."""
    return int((amount * 100).to_integral_value())


def _supported(code: str) -> str:
    if code not in CURRENCIES:
        raise PydanticCustomError(
            "currency", "unsupported currency; supported: {supported}", {"supported": ", ".join(sorted(CURRENCIES))}
        )
    return code


Amount = Annotated[Decimal, AS_JSON_NUMBER]
"""An amount Nudge computed, written as a JSON number."""

Price = Annotated[
    Decimal,
    JSON_NUMBER,
    Field(gt=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2),
    AS_JSON_NUMBER,
    number_schema(0, MAX_AMOUNT, 2, exclusive=True),
]
"""A price that must be above zero."""

NonNegativeAmount = Annotated[
    Decimal,
    JSON_NUMBER,
    Field(ge=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2),
    AS_JSON_NUMBER,
    number_schema(0, MAX_AMOUNT, 2),
]
"""A fee, or an offer that may be free."""

SignedAmount = Annotated[
    Decimal,
    JSON_NUMBER,
    Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, max_digits=10, decimal_places=2),
    AS_JSON_NUMBER,
    number_schema(-MAX_AMOUNT, MAX_AMOUNT, 2),
]
"""An amount checked by the domain rather than the schema (an anchor, whose sign error names the field)."""

CurrencyCode = Annotated[
    str,
    AfterValidator(_supported),
    WithJsonSchema({"type": "string", "enum": sorted(CURRENCIES), "description": "ISO 4217 code"}),
]
