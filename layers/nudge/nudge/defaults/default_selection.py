"""Default selection: which transaction option to put first for this user and this check-in date.

Options: buyout (pay for the nights outright), crash (share the nights), swap (trade nights).

Pricing (`PricingConfig`), all in Decimal, rounded half-up to cents:

    price        = nightly_price x nights x option_price_factors[type]        (buyout 1.00, crash 0.50, swap 0.15)
                   x archetype.default_price_multiplier x urgency.multiplier
    platform_fee = price x platform_fee_rate                                   (0.015; of the rounded price)
    total_cost   = price + platform_fee

Urgency mapping. The design's average-user bands (<7 / 7-21 / 21+ days) are replaced by the urgency
calculator's levels, so every rule reads urgency the same way: "high" = critical or high (0-7 days),
"medium" = medium (8-14 days), "low" = low (15+ days).

Rules, first match wins (`rule` is the stable id):

    1. big_spender_urgent        big_spender + critical/high/medium -> buyout
    2. high_flexibility          high_flexibility + any urgency      -> swap
    3. average_low_urgency       average_user + low                  -> swap
    4. average_medium_urgency    average_user + medium               -> crash
    5. average_high_urgency      average_user + critical/high        -> crash
    6. big_spender_low_urgency   big_spender + low                   -> buyout
    7. new_user                  new_user + any urgency              -> crash

Fallback order: the other two options take priorities 2 and 3 in the archetype's order of
preference: big_spender buyout > crash > swap (most certain first); high_flexibility swap > crash >
buyout (cheapest first); average_user and new_user crash > swap > buyout (middle ground first).

Confidence: the recommended option carries the archetype confidence; priority 2 gets 0.6 of it and
priority 3 gets 0.3 of it (`alternative_confidence_factors`), rounded to 2 decimals.

Estimated acceptance probability (that the other side accepts) = base_acceptance_probability[type]
(buyout 0.85, crash 0.65, swap 0.45) + urgency_acceptance_adjustments[level][type], clamped to 0..1
and rounded to 2 decimals. A close check-in leaves the other side less time to arrange a swap
(critical -0.15, high -0.10) and makes a guaranteed buyout more welcome (+0.05); far out, a swap is
easier to arrange (+0.05) and a buyout less pressing (-0.05).
"""

from decimal import Decimal
from typing import NamedTuple

from pydantic import Field

from nudge.defaults.archetype_detection import ArchetypeAssessment
from nudge.defaults.archetype_names import ArchetypeType, archetype_phrase
from nudge.defaults.options import OptionType
from nudge.defaults.transaction_option import TransactionOption
from nudge.defaults.urgency import Urgency, UrgencyLevel
from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.money import round_cents

_PRICE_FACTORS: dict[OptionType, Decimal] = {
    "buyout": Decimal("1.00"),
    "crash": Decimal("0.50"),
    "swap": Decimal("0.15"),
}
_ACCEPTANCE: dict[OptionType, float] = {"buyout": 0.85, "crash": 0.65, "swap": 0.45}
_URGENCY_ADJUSTMENTS: dict[UrgencyLevel, dict[OptionType, float]] = {
    "critical": {"buyout": 0.05, "swap": -0.15},
    "high": {"buyout": 0.05, "swap": -0.10},
    "medium": {},
    "low": {"buyout": -0.05, "swap": 0.05},
}


class PricingConfig(NudgeModel):
    """Prices, fees, and the confidence and acceptance estimates of the options; see the module docstring."""

    option_price_factors: dict[OptionType, Decimal] = Field(default_factory=_PRICE_FACTORS.copy)
    platform_fee_rate: Decimal = Decimal("0.015")
    base_acceptance_probability: dict[OptionType, float] = Field(default_factory=_ACCEPTANCE.copy)
    urgency_acceptance_adjustments: dict[UrgencyLevel, dict[OptionType, float]] = Field(
        default_factory=lambda: {level: dict(adjustments) for level, adjustments in _URGENCY_ADJUSTMENTS.items()}
    )
    alternative_confidence_factors: tuple[float, float] = (0.6, 0.3)


# Built without validation: importing (cold start) should not pay for a schema; a unit test validates it.
DEFAULT_PRICING_CONFIG = PricingConfig.model_construct()


class DefaultSelection(NudgeModel):
    primary: OptionType
    rule: str
    options: list[TransactionOption]


class _Rule(NamedTuple):
    id: str
    archetype: ArchetypeType
    levels: frozenset[UrgencyLevel]
    option: OptionType
    why: str


_HIGH: frozenset[UrgencyLevel] = frozenset({"critical", "high"})
_MEDIUM: frozenset[UrgencyLevel] = frozenset({"medium"})
_LOW: frozenset[UrgencyLevel] = frozenset({"low"})
_ANY = _HIGH | _MEDIUM | _LOW

_RULES = (
    _Rule(
        "big_spender_urgent",
        "big_spender",
        _HIGH | _MEDIUM,
        "buyout",
        "with check-in within 14 days, securing the dates outright matters most",
    ),
    _Rule("high_flexibility", "high_flexibility", _ANY, "swap", "a low-cost swap suits a flexible schedule"),
    _Rule("average_low_urgency", "average_user", _LOW, "swap", "with 15 days or more to go, there is time to swap"),
    _Rule(
        "average_medium_urgency",
        "average_user",
        _MEDIUM,
        "crash",
        "with 8-14 days to go, sharing balances cost and certainty",
    ),
    _Rule(
        "average_high_urgency",
        "average_user",
        _HIGH,
        "crash",
        "with 7 days or fewer to go, sharing is the quickest affordable option",
    ),
    _Rule(
        "big_spender_low_urgency",
        "big_spender",
        _LOW,
        "buyout",
        "even with time to spare, a buyout gives the most certainty",
    ),
    _Rule("new_user", "new_user", _ANY, "crash", "without history, the middle option is the safest default"),
)

_PREFERENCE: dict[ArchetypeType, tuple[OptionType, ...]] = {
    "big_spender": ("buyout", "crash", "swap"),
    "high_flexibility": ("swap", "crash", "buyout"),
    "average_user": ("crash", "swap", "buyout"),
    "new_user": ("crash", "swap", "buyout"),
}

_OPTION_WORDS: dict[OptionType, str] = {
    "buyout": "Buyout: pay for the nights outright",
    "crash": "Crash: share the nights",
    "swap": "Swap: trade nights",
}


def _cents(value: Decimal) -> Decimal:
    return round_cents(value)


def _validate(nightly_price: Decimal, nights: int) -> None:
    if not nightly_price.is_finite() or nightly_price <= 0:
        raise InvalidInput("nightly_price must be greater than 0", field="nightly_price")
    if nights < 1:
        raise InvalidInput("nights must be at least 1", field="nights")


def _option(
    option: OptionType,
    priority: int,
    rule: _Rule,
    archetype: ArchetypeAssessment,
    urgency: Urgency,
    base_price: Decimal,
    config: PricingConfig,
) -> TransactionOption:
    factor = config.option_price_factors[option]
    price = _cents(base_price * factor * archetype.default_price_multiplier * urgency.multiplier)
    fee = _cents(price * config.platform_fee_rate)
    recommended = priority == 1
    confidence = (
        archetype.confidence
        if recommended
        else archetype.confidence * config.alternative_confidence_factors[priority - 2]
    )
    acceptance = config.base_acceptance_probability[option] + config.urgency_acceptance_adjustments[urgency.level].get(
        option, 0.0
    )
    who = archetype_phrase(archetype.archetype)
    fit = f"Recommended for {who}: {rule.why}" if recommended else f"Alternative {priority - 1} for {who}"
    return TransactionOption(
        type=option,
        price=price,
        platform_fee=fee,
        total_cost=price + fee,
        priority=priority,
        recommended=recommended,
        confidence=round(confidence, 2),
        estimated_acceptance_probability=round(min(max(acceptance, 0.0), 1.0), 2),
        reasons=[
            f"{_OPTION_WORDS[option]} ({factor:.0%} of the nightly price)",
            fit,
            f"{urgency.level.capitalize()} urgency: {urgency.message}",
            f"Priced at {archetype.default_price_multiplier}x for {who} and {urgency.multiplier}x for "
            f"{urgency.level} urgency",
        ],
    )


def select_default(
    archetype: ArchetypeAssessment,
    urgency: Urgency,
    nightly_price: Decimal,
    nights: int,
    config: PricingConfig = DEFAULT_PRICING_CONFIG,
) -> DefaultSelection:
    """All three options, priced and ranked, with the first matching rule's option first."""
    _validate(nightly_price, nights)
    rule = next(rule for rule in _RULES if rule.archetype == archetype.archetype and urgency.level in rule.levels)
    order = (rule.option, *(option for option in _PREFERENCE[archetype.archetype] if option != rule.option))
    base_price = nightly_price * nights
    options = [
        _option(option, priority, rule, archetype, urgency, base_price, config)
        for priority, option in enumerate(order, start=1)
    ]
    return DefaultSelection.model_construct(primary=rule.option, rule=rule.id, options=options)
