"""What price-anchoring records: tier impressions, tier selections, and the counters behind analytics."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from nudge.anchoring.tiers import Multiplier
from nudge.behavior.signals import Amount
from nudge.models import NudgeModel

SelectionStatus = Literal["pending", "completed", "cancelled"]


class ShownTier(NudgeModel):
    tier_id: str
    calculated_price: Amount
    multiplier: Multiplier


class Impression(NudgeModel):
    """The latest showing of the tiers to a user for a booking; `first_shown_at` is kept across showings."""

    user_id: str
    booking_id: str
    session_id: str | None
    shown_at: datetime
    base_price: Amount
    anchor_price: Amount
    anchor_type: str
    tiers: list[ShownTier]
    recommended_tier_id: str | None
    archetype: str | None
    urgency: str | None
    experiment_id: str | None
    variant_id: str | None


class TierSelection(NudgeModel):
    selection_id: str
    user_id: str
    booking_id: str
    session_id: str | None
    tier_id: str
    tier_name: str
    base_price: Amount
    multiplier: Multiplier
    final_price: Amount
    platform_fee: Amount
    total_cost: Amount
    anchor_price: Amount
    anchor_type: str
    savings_amount: Amount = Field(description="Of the total cost, against the anchor")
    savings_percentage: Amount
    currency: str
    status: SelectionStatus
    experiment_id: str | None
    variant_id: str | None
    seconds_from_impression: float | None = Field(description="From the first showing of the tiers for this booking")
    created_at: datetime
    updated_at: datetime


def cents(amount: Decimal) -> int:
    """Money summed in counters as whole cents, so DynamoDB's ADD stays exact."""
    return int((amount * 100).to_integral_value())
