"""POST /v1/savings: a saving against an anchor, formatted for display."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from nudge.anchoring.savings import SavingsDisplay, SavingsFormat, describe_savings
from nudge.models import NudgeModel

Money = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=10, decimal_places=2)]


class SavingsRequest(NudgeModel):
    offer_price: Money
    anchor_price: Annotated[Decimal, Field(le=10_000_000, max_digits=10, decimal_places=2)] = Field(
        description="Must be above 0"
    )
    format: SavingsFormat = "both"
    currency: str = Field(default="USD", min_length=3, max_length=3, description="ISO 4217 code")


def savings_for(request: SavingsRequest) -> SavingsDisplay:
    return describe_savings(request.offer_price, request.anchor_price, request.format, request.currency)
