"""What old tier impressions and selections keep once anonymized (retention): no user, booking, session,
exact time or amount, only what the tier and experiment analytics group by."""

from datetime import date

from nudge.anchoring.offer_log import Impression
from nudge.anchoring.tier_selection_model import SelectionStatus, TierSelection
from nudge.models import NudgeModel
from nudge.money import Amount


class AnonymousImpression(NudgeModel):
    day: date
    tier_ids: list[str]
    recommended_tier_id: str | None
    archetype: str | None
    urgency: str | None
    experiment_id: str | None
    variant_id: str | None
    showings: int


class AnonymousSelection(NudgeModel):
    day: date
    tier_id: str
    status: SelectionStatus
    savings_percentage: Amount
    currency: str
    experiment_id: str | None
    variant_id: str | None


def anonymous_impression(impression: Impression, showings: int) -> AnonymousImpression:
    return AnonymousImpression(
        day=impression.shown_at.date(),
        tier_ids=[tier.tier_id for tier in impression.tiers],
        recommended_tier_id=impression.recommended_tier_id,
        archetype=impression.archetype,
        urgency=impression.urgency,
        experiment_id=impression.experiment_id,
        variant_id=impression.variant_id,
        showings=showings,
    )


def anonymous_selection(selection: TierSelection) -> AnonymousSelection:
    return AnonymousSelection(
        day=selection.created_at.date(),
        tier_id=selection.tier_id,
        status=selection.status,
        savings_percentage=selection.savings_percentage,
        currency=selection.currency,
        experiment_id=selection.experiment_id,
        variant_id=selection.variant_id,
    )
