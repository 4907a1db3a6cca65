"""POST /v1/savings: a saving against an anchor, formatted for display."""

from pydantic import Field

from nudge.anchoring.savings import SavingsDisplay, SavingsFormat, describe_savings
from nudge.models import NudgeModel
from nudge.money import CurrencyCode, NonNegativeAmount, SignedAmount


class SavingsRequest(NudgeModel):
    offer_price: NonNegativeAmount
    anchor_price: SignedAmount = Field(description="Must be above 0")
    format: SavingsFormat = "both"
    currency: CurrencyCode = "USD"


def savings_for(request: SavingsRequest) -> SavingsDisplay:
    return describe_savings(request.offer_price, request.anchor_price, request.format, request.currency)
