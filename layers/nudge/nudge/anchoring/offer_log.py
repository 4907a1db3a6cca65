"""What price-anchoring records when tiers are shown: the impression, and money as counters hold it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from nudge.anchoring.tiers import Multiplier
from nudge.behavior.signals import Amount
from nudge.models import NudgeModel


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


def cents(amount: Decimal) -> int:
    """Money summed in counters as whole cents, so DynamoDB's ADD stays exact."""
    return int((amount * 100).to_integral_value())
