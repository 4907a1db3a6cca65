"""A tier selection: the tier a user chose for a booking, its price, and its status."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from nudge.anchoring.multiplier import Multiplier
from nudge.models import NudgeModel
from nudge.money import Amount

SelectionStatus = Literal["pending", "completed", "cancelled"]


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
