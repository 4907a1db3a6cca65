"""Pricing tiers: the price of each tier, its savings against the anchor, and which tier to recommend.

The anchor is the first price the user saw (for example the buyout price); every tier is shown as a
saving against it. Defaults (`DEFAULT_TIERS`, from the "Pattern 3: Price Anchoring" design):

    tier         multiplier  badge          description          acceptance  response  display_order
    premium      1.15        "Fastest"      "Priority handling"  0.89        4 h       1
    recommended  1.00        "Most Popular" "Best value"         0.73        12 h      2
    budget       0.90        -              "Basic offer"        0.45        48 h      3

Formulas, in Decimal:

    tier price  = base_price x multiplier, rounded half-up to cents      (450 -> 517.50 / 450.00 / 405.00)
    savings     = anchor - offer, rounded half-up to cents                (329 vs 2835 -> 2506.00)
    percentage  = savings / anchor x 100, cut (ROUND_DOWN) to 2 decimals   (329 vs 2835 -> 88.39)

Decision on the percentage: the exact value for 329 vs 2835 is 88.3950...; half-up gives 88.40, but the
issue and the design both state 88.39. Rounding toward zero reproduces it and never overstates a saving
shown to a user (nor understates a surcharge); `PERCENT_ROUNDING` is the one switch.

An offer above the anchor is a negative saving (`is_saving` False), never an error. A zero or negative
anchor or base price, or a negative offer, is invalid input (422).

Experiments: `price_tiers(..., multipliers=variant.multipliers)` replaces a tier's multiplier by the
variant's one when the variant names that tier; multipliers for tiers not configured are ignored, so a
tier deactivated after the experiment started does not break pricing.

Recommendation (`recommend_tier`), first match wins:

    archetype                      urgency                     tier
    big_spender                    any (or unknown)            premium      values speed and certainty over price
    high_flexibility               critical / high             recommended  a close check-in needs a faster acceptance
    high_flexibility               medium / low / unknown      budget       flexible on timing, the lowest price fits
    average_user / new_user / ?    critical                    premium      check-in within days: fastest acceptance
    average_user / new_user / ?    high / medium / low / ?     recommended  best balance of price and acceptance

("?" = archetype or urgency unknown.) When the preferred tier is not active (or not configured), the
active tier whose multiplier is nearest to the preferred tier's multiplier is recommended instead (its
configured multiplier, else its default one); ties go to the cheaper tier, so a fallback never upsells.
None only when no tier is active.
"""

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from nudge.anchoring.multiplier import Multiplier
from nudge.defaults.archetype_names import ARCHETYPE_LABELS, ArchetypeType
from nudge.defaults.urgency import UrgencyLevel
from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.money import Amount, round_cents

ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
TierId = Annotated[str, Field(pattern=ID_PATTERN)]
PERCENT_PLACES = Decimal("0.01")
PERCENT_ROUNDING = ROUND_DOWN
_HUNDRED = Decimal(100)


class TierFeature(NudgeModel):
    feature_id: Annotated[str, Field(pattern=ID_PATTERN)]
    text: str = Field(min_length=1, max_length=200)
    display_order: int = Field(ge=0)
    active: bool = True


class PricingTier(NudgeModel):
    tier_id: TierId
    name: str = Field(min_length=1, max_length=50)
    multiplier: Multiplier
    badge: str | None = Field(default=None, max_length=30)
    description: str = Field(min_length=1, max_length=200)
    acceptance_rate: float = Field(ge=0, le=1)
    response_time_hours: int = Field(ge=1, le=720)
    display_order: int = Field(ge=0)
    features: list[TierFeature] = Field(default_factory=list, max_length=20)
    active: bool = True

    @model_validator(mode="after")
    def _unique_feature_ids(self) -> Self:
        ids = [feature.feature_id for feature in self.features]
        if len(ids) != len(set(ids)):
            raise ValueError("feature_id must be unique within a tier")
        return self


def _features(*items: tuple[str, str]) -> list[TierFeature]:
    return [
        TierFeature.model_construct(feature_id=feature_id, text=text, display_order=order)
        for order, (feature_id, text) in enumerate(items, start=1)
    ]


# Built without validation: importing (cold start) should not pay for a schema; a unit test validates them.
DEFAULT_TIERS: tuple[PricingTier, ...] = (
    PricingTier.model_construct(
        tier_id="budget",
        name="Budget",
        multiplier=Decimal("0.90"),
        badge=None,
        description="Basic offer",
        acceptance_rate=0.45,
        response_time_hours=48,
        display_order=3,
        features=_features(
            ("standard_processing", "Standard processing"),
            ("slower_acceptance", "May take longer to accept"),
            ("lower_priority", "Lower priority"),
        ),
    ),
    PricingTier.model_construct(
        tier_id="recommended",
        name="Recommended",
        multiplier=Decimal("1.00"),
        badge="Most Popular",
        description="Best value",
        acceptance_rate=0.73,
        response_time_hours=12,
        display_order=2,
        features=_features(
            ("fair_market_rate", "Fair market rate"),
            ("faster_acceptance", "Faster acceptance"),
            ("most_preferred", "Preferred by 73% of users"),
        ),
    ),
    PricingTier.model_construct(
        tier_id="premium",
        name="Premium",
        multiplier=Decimal("1.15"),
        badge="Fastest",
        description="Priority handling",
        acceptance_rate=0.89,
        response_time_hours=4,
        display_order=1,
        features=_features(
            ("highest_acceptance", "Highest acceptance rate"),
            ("same_day_response", "Same-day response typical"),
            ("vip_processing", "VIP processing"),
        ),
    ),
)
_DEFAULT_MULTIPLIERS = {tier.tier_id: tier.multiplier for tier in DEFAULT_TIERS}


def tier_price(base_price: Decimal, multiplier: Decimal) -> Decimal:
    """base_price x multiplier, half-up to cents; a base price of zero or less is invalid input."""
    if base_price <= 0:
        raise InvalidInput("base_price must be greater than 0", field="base_price")
    return round_cents(base_price * multiplier)


class Savings(NudgeModel):
    amount: Amount
    percentage: Amount
    is_saving: bool


def savings_against(offer: Decimal, anchor: Decimal, field: str = "anchor_price") -> Savings:
    """Savings of `offer` against `anchor`; negative (is_saving False) when the offer costs more."""
    if anchor <= 0:
        raise InvalidInput(f"{field} must be greater than 0", field=field)
    if offer < 0:
        raise InvalidInput("offer_price must not be negative", field="offer_price")
    amount = round_cents(anchor - offer)
    # From the exact difference, not the rounded amount, so sub-cent inputs do not shift the percentage.
    percentage = ((anchor - offer) / anchor * _HUNDRED).quantize(PERCENT_PLACES, rounding=PERCENT_ROUNDING)
    return Savings.model_construct(amount=amount, percentage=percentage, is_saving=amount > 0)


class PricedTier(NudgeModel):
    tier_id: str
    name: str
    multiplier: Multiplier
    calculated_price: Amount
    savings_amount: Amount
    savings_percentage: Amount
    is_saving: bool
    badge: str | None
    description: str
    acceptance_rate: float
    response_time_hours: int
    display_order: int
    features: list[TierFeature]
    is_recommended: bool


def _priced(
    tier: PricingTier, base_price: Decimal, anchor_price: Decimal, multiplier: Decimal, recommended: bool
) -> PricedTier:
    price = tier_price(base_price, multiplier)
    savings = savings_against(price, anchor_price)
    return PricedTier(
        tier_id=tier.tier_id,
        name=tier.name,
        multiplier=multiplier,
        calculated_price=price,
        savings_amount=savings.amount,
        savings_percentage=savings.percentage,
        is_saving=savings.is_saving,
        badge=tier.badge,
        description=tier.description,
        acceptance_rate=tier.acceptance_rate,
        response_time_hours=tier.response_time_hours,
        display_order=tier.display_order,
        features=sorted((f for f in tier.features if f.active), key=lambda f: f.display_order),
        is_recommended=recommended,
    )


def price_tiers(
    tiers: Sequence[PricingTier],
    base_price: Decimal,
    anchor_price: Decimal,
    recommended_tier_id: str | None,
    multipliers: Mapping[str, Decimal] | None = None,
) -> list[PricedTier]:
    """Every active tier priced and compared with the anchor, by display_order (then tier_id)."""
    if base_price <= 0:
        raise InvalidInput("base_price must be greater than 0", field="base_price")
    if anchor_price <= 0:
        raise InvalidInput("anchor_price must be greater than 0", field="anchor_price")
    overrides = multipliers or {}
    active = sorted((t for t in tiers if t.active), key=lambda t: (t.display_order, t.tier_id))
    return [
        _priced(
            tier,
            base_price,
            anchor_price,
            overrides.get(tier.tier_id, tier.multiplier),
            tier.tier_id == recommended_tier_id,
        )
        for tier in active
    ]


class TierRecommendation(NudgeModel):
    tier_id: str
    reason: str


def _preferred_tier(archetype: ArchetypeType | None, urgency: UrgencyLevel | None) -> tuple[str, str]:
    """The rule table of the module docstring: (tier_id, why)."""
    if archetype == "big_spender":
        return "premium", "speed and certainty matter more than price"
    if archetype == "high_flexibility":
        if urgency in ("critical", "high"):
            return "recommended", "check-in is close, so a faster acceptance is worth more than the lowest price"
        return "budget", "flexible timing makes the lowest price the best fit"
    if urgency == "critical":
        return "premium", "check-in is only days away, so the fastest acceptance matters most"
    return "recommended", "the best balance of price and acceptance"


def _nearest_active(tiers: Sequence[PricingTier], preferred: str) -> PricingTier | None:
    active = [tier for tier in tiers if tier.active]
    if not active:
        return None
    configured = {tier.tier_id: tier.multiplier for tier in tiers}
    target = configured.get(preferred, _DEFAULT_MULTIPLIERS.get(preferred, Decimal(1)))
    # Nearest multiplier (the preferred tier itself when active: another tier with the same multiplier must not
    # displace it); ties to the cheaper tier, then the first displayed.
    return min(
        active,
        key=lambda t: (abs(t.multiplier - target), t.tier_id != preferred, t.multiplier, t.display_order, t.tier_id),
    )


def recommend_tier(
    tiers: Sequence[PricingTier], archetype: ArchetypeType | None, urgency: UrgencyLevel | None
) -> TierRecommendation | None:
    """The tier to highlight for this user and booking (rule table in the module docstring)."""
    preferred, why = _preferred_tier(archetype, urgency)
    chosen = _nearest_active(tiers, preferred)
    if chosen is None:
        return None
    who = ARCHETYPE_LABELS[archetype] if archetype else "Unknown profile"
    when = f"{urgency} urgency" if urgency else "urgency unknown"
    reason = f"{who}, {when}: {why}."
    if chosen.tier_id != preferred:
        reason += f" {preferred.capitalize()} is not available, so the closest active tier is recommended."
    return TierRecommendation.model_construct(tier_id=chosen.tier_id, reason=reason)
