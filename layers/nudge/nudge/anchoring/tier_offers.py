"""POST /v1/pricing-tiers: every active tier priced against the anchor, the recommended tier, and an
impression recorded.

Cost per request: the catalog (tiers, experiments) comes from the in-function cache; one consistent
BatchGetItem reads the user's state (archetype inputs and experiment assignment) only when it is
needed (no archetype given, or an experiment running); one TransactWriteItems records the impression
with its counters and, on a user's first exposure to an experiment, their sticky assignment.
"""

from datetime import date, datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.anchoring.catalog import Catalog, Experiment
from nudge.anchoring.experiment_assignment import choose_variant
from nudge.anchoring.multiplier import Multiplier
from nudge.anchoring.offer_log import Impression, ShownTier
from nudge.anchoring.pricing_table import PricingTable
from nudge.anchoring.tiers import PricedTier, price_tiers, recommend_tier
from nudge.behavior.behavior_table import BehaviorTable
from nudge.defaults.archetype_items import load_user_state
from nudge.defaults.archetype_names import ArchetypeType
from nudge.defaults.archetype_state import UserState, effective, resolve
from nudge.defaults.options import OptionType
from nudge.defaults.urgency import MAX_DAYS_AHEAD, UrgencyLevel, assess_urgency, days_until_check_in
from nudge.errors import Conflict
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.money import Amount, Price
from nudge.observability import metrics
from nudge.users.actor import Actor

ANCHOR_DESCRIPTIONS: dict[str, str] = {
    "buyout": "Exclusive buyout rate - your reference price",
    "crash": "Shared-stay rate - your reference price",
    "swap": "Date swap rate - your reference price",
}


class TierOfferRequest(NudgeModel):
    base_price: Price
    anchor_price: Price = Field(description="The reference price the user saw first")
    anchor_type: OptionType = "buyout"
    archetype: ArchetypeType | None = Field(default=None, description="Default: the caller's stored archetype")
    urgency: UrgencyLevel | None = Field(default=None, description="Default: from check_in_date or days_until_check_in")
    check_in_date: date | None = None
    days_until_check_in: int | None = Field(default=None, ge=0, le=MAX_DAYS_AHEAD)
    booking_id: Identifier
    session_id: Identifier | None = None


class AnchorInfo(NudgeModel):
    price: Amount
    type: OptionType
    description: str


class RecommendedTierInfo(NudgeModel):
    tier_id: str
    tier_name: str
    multiplier: Multiplier
    reason: str


class ShownVariant(NudgeModel):
    experiment_id: str
    variant_id: str


class OfferMetadata(NudgeModel):
    base_price: Amount
    tier_count: int
    generated_at: datetime
    archetype: ArchetypeType | None
    urgency: UrgencyLevel | None
    booking_id: str


class TierOffer(NudgeModel):
    tiers: list[PricedTier]
    anchor: AnchorInfo
    recommended_tier: RecommendedTierInfo | None
    experiment: ShownVariant | None
    metadata: OfferMetadata


def _urgency(request: TierOfferRequest, today: date) -> UrgencyLevel | None:
    days = request.days_until_check_in
    if request.check_in_date is not None:  # checked even when urgency is given: a past date is invalid input
        days = days_until_check_in(request.check_in_date, today)
    if request.urgency is not None:
        return request.urgency
    if days is not None:
        return assess_urgency(days).level
    return None


def _variant(experiment: Experiment | None, user_id: str, state: UserState | None) -> tuple[str | None, bool]:
    """The user's variant and whether it is a new assignment (kept if the traffic split changes later)."""
    if experiment is None:
        return None, False
    stored = state.assignments.get(experiment.experiment_id) if state else None
    if stored is not None and experiment.variant(stored) is not None:
        return stored, False
    return choose_variant(experiment.experiment_id, user_id, experiment.variants), True


def offer_tiers(
    behavior: BehaviorTable,
    pricing: PricingTable,
    anchoring: AnchoringTable,
    actor: Actor,
    request: TierOfferRequest,
    now: datetime,
    ttl: timedelta,
) -> TierOffer:
    catalog = pricing.catalog()
    if not any(tier.active for tier in catalog.tiers):
        raise Conflict("no pricing tier is active; an admin must activate one", field="tiers")
    experiment = catalog.running_experiment()
    urgency = _urgency(request, now.date())
    needs_state = request.archetype is None or experiment is not None
    experiments = [experiment.experiment_id] if experiment else []
    for _ in range(2):  # a second pass only when a concurrent request assigned this user first
        state = load_user_state(behavior, actor.user_id, experiments) if needs_state else None
        archetype = request.archetype
        if archetype is None and state is not None:
            archetype = effective(resolve(actor.user_id, state, now, ttl)).archetype
        variant_id, new_assignment = _variant(experiment, actor.user_id, state)
        offer = _offer(catalog, request, archetype, urgency, experiment, variant_id, now)
        also = []
        if experiment is not None and variant_id is not None and new_assignment:
            also.append(behavior.assignment_put(actor.user_id, experiment.experiment_id, variant_id, now))
        if anchoring.record_impression(_impression(actor.user_id, request, offer, now), new_assignment, also):
            metrics().add_metric(name="TierImpressions", unit=MetricUnit.Count, value=1)
            return offer
    raise Conflict("the experiment assignment changed twice during this request; try again")


def _offer(
    catalog: Catalog,
    request: TierOfferRequest,
    archetype: ArchetypeType | None,
    urgency: UrgencyLevel | None,
    experiment: Experiment | None,
    variant_id: str | None,
    now: datetime,
) -> TierOffer:
    variant = experiment.variant(variant_id) if experiment and variant_id else None
    recommendation = recommend_tier(catalog.tiers, archetype, urgency)
    recommended_id = recommendation.tier_id if recommendation else None
    multipliers = variant.multipliers if variant else None
    tiers = price_tiers(catalog.tiers, request.base_price, request.anchor_price, recommended_id, multipliers)
    chosen = next((tier for tier in tiers if tier.tier_id == recommended_id), None)
    return TierOffer(
        tiers=tiers,
        anchor=AnchorInfo(
            price=request.anchor_price, type=request.anchor_type, description=ANCHOR_DESCRIPTIONS[request.anchor_type]
        ),
        recommended_tier=RecommendedTierInfo(
            tier_id=chosen.tier_id, tier_name=chosen.name, multiplier=chosen.multiplier, reason=recommendation.reason
        )
        if chosen and recommendation
        else None,
        experiment=ShownVariant(experiment_id=experiment.experiment_id, variant_id=variant_id)
        if experiment and variant_id
        else None,
        metadata=OfferMetadata(
            base_price=request.base_price,
            tier_count=len(tiers),
            generated_at=now,
            archetype=archetype,
            urgency=urgency,
            booking_id=request.booking_id,
        ),
    )


def _impression(user_id: str, request: TierOfferRequest, offer: TierOffer, now: datetime) -> Impression:
    return Impression(
        user_id=user_id,
        booking_id=request.booking_id,
        session_id=request.session_id,
        shown_at=now,
        base_price=request.base_price,
        anchor_price=request.anchor_price,
        anchor_type=request.anchor_type,
        tiers=[
            ShownTier(tier_id=tier.tier_id, calculated_price=tier.calculated_price, multiplier=tier.multiplier)
            for tier in offer.tiers
        ],
        recommended_tier_id=offer.recommended_tier.tier_id if offer.recommended_tier else None,
        archetype=offer.metadata.archetype,
        urgency=offer.metadata.urgency,
        experiment_id=offer.experiment.experiment_id if offer.experiment else None,
        variant_id=offer.experiment.variant_id if offer.experiment else None,
    )
