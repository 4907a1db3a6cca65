"""What price-anchoring records when tiers are shown: the impression, and money as counters hold it."""

from datetime import datetime

from nudge.anchoring.multiplier import Multiplier
from nudge.models import NudgeModel
from nudge.money import Amount


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
