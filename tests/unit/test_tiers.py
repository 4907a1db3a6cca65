from decimal import Decimal

import pytest
from pydantic import ValidationError

from nudge.anchoring.tiers import (
    DEFAULT_TIERS,
    PricingTier,
    TierFeature,
    price_tiers,
    recommend_tier,
    savings_against,
    tier_price,
)
from nudge.defaults.archetype_names import ArchetypeType
from nudge.defaults.urgency import UrgencyLevel
from nudge.errors import InvalidInput

D = Decimal


def tiers_by_id() -> dict[str, PricingTier]:
    return {tier.tier_id: tier for tier in DEFAULT_TIERS}


def with_active(active: dict[str, bool]) -> list[PricingTier]:
    return [tier.model_copy(update={"active": active.get(tier.tier_id, True)}) for tier in DEFAULT_TIERS]


def test_default_tiers_follow_the_design() -> None:
    tiers = tiers_by_id()
    summary = {
        tier_id: (t.multiplier, t.badge, t.description, t.acceptance_rate, t.response_time_hours, t.display_order)
        for tier_id, t in tiers.items()
    }
    assert summary == {
        "budget": (D("0.90"), None, "Basic offer", 0.45, 48, 3),
        "recommended": (D("1.00"), "Most Popular", "Best value", 0.73, 12, 2),
        "premium": (D("1.15"), "Fastest", "Priority handling", 0.89, 4, 1),
    }
    assert [f.text for f in tiers["premium"].features] == [
        "Highest acceptance rate",
        "Same-day response typical",
        "VIP processing",
    ]
    assert [f.text for f in tiers["budget"].features] == [
        "Standard processing",
        "May take longer to accept",
        "Lower priority",
    ]
    assert tiers["recommended"].features[2].text == "Preferred by 73% of users"


@pytest.mark.parametrize(
    ("base", "multiplier", "price"),
    [
        (D(450), D("1.15"), D("517.50")),
        (D(450), D("1.00"), D("450.00")),
        (D(450), D("0.90"), D("405.00")),
        (D("0.25"), D("0.5"), D("0.13")),  # 0.125: half-up, where half-even would give 0.12
        (D("450.30"), D("1.15"), D("517.85")),  # 517.845
        (D("0.01"), D("0.4"), D("0.00")),  # 0.004 rounds down
    ],
)
def test_tier_price_rounds_half_up_to_cents(base: Decimal, multiplier: Decimal, price: Decimal) -> None:
    result = tier_price(base, multiplier)
    assert result == price
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("base", [D(0), D(-1)])
def test_tier_price_needs_a_positive_base(base: Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        tier_price(base, D(1))
    assert caught.value.field == "base_price"


@pytest.mark.parametrize(
    ("offer", "anchor", "amount", "percentage", "is_saving"),
    [
        (D(329), D(2835), D("2506.00"), D("88.39"), True),  # 88.3950...: cut toward zero, see the module docstring
        (D(455), D(2835), D("2380.00"), D("83.95"), True),  # base 450 + fee 5
        (D(200), D(300), D("100.00"), D("33.33"), True),
        (D(100), D(300), D("200.00"), D("66.66"), True),  # 66.666...: never overstated
        (D(0), D(300), D("300.00"), D("100.00"), True),
        (D(450), D(450), D("0.00"), D("0.00"), False),
        (D(495), D(450), D("-45.00"), D("-10.00"), False),
        (D(400), D(300), D("-100.00"), D("-33.33"), False),
        (D(500), D(300), D("-200.00"), D("-66.66"), False),
        (D("100.015"), D(200), D("99.99"), D("49.99"), True),  # 99.985 half-up (half-even: 99.98); 49.9925 cut
        (D("100.025"), D(200), D("99.98"), D("49.98"), True),  # 99.975 half-up (half-even would give 99.98 too)
        (D("99.995"), D(100), D("0.01"), D("0.00"), True),  # half a cent rounds up to a saving of one cent
    ],
)
def test_savings_against(
    offer: Decimal, anchor: Decimal, amount: Decimal, percentage: Decimal, is_saving: bool
) -> None:
    savings = savings_against(offer, anchor)
    assert (savings.amount, savings.percentage, savings.is_saving) == (amount, percentage, is_saving)
    assert savings.amount.as_tuple().exponent == -2
    assert savings.percentage.as_tuple().exponent == -2


@pytest.mark.parametrize("anchor", [D(0), D("-0.01"), D(-2835)])
def test_savings_need_a_positive_anchor(anchor: Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        savings_against(D(329), anchor)
    assert caught.value.field == "anchor_price"
    with pytest.raises(InvalidInput) as named:
        savings_against(D(329), anchor, field="reference_price")
    assert named.value.field == "reference_price"


def test_savings_refuse_a_negative_offer() -> None:
    with pytest.raises(InvalidInput) as caught:
        savings_against(D(-1), D(100))
    assert caught.value.field == "offer_price"


def test_savings_serialise_as_json_numbers() -> None:
    assert savings_against(D(329), D(2835)).model_dump(mode="json") == {
        "amount": 2506.0,
        "percentage": 88.39,
        "is_saving": True,
    }


def test_price_tiers_with_the_worked_numbers() -> None:
    priced = price_tiers(DEFAULT_TIERS, D(450), D(2835), "recommended")
    assert [
        (t.tier_id, t.calculated_price, t.savings_amount, t.savings_percentage, t.is_saving, t.is_recommended)
        for t in priced
    ] == [
        ("premium", D("517.50"), D("2317.50"), D("81.74"), True, False),
        ("recommended", D("450.00"), D("2385.00"), D("84.12"), True, True),
        ("budget", D("405.00"), D("2430.00"), D("85.71"), True, False),
    ]
    premium = priced[0]
    assert (premium.name, premium.badge, premium.description) == ("Premium", "Fastest", "Priority handling")
    assert (premium.acceptance_rate, premium.response_time_hours, premium.display_order) == (0.89, 4, 1)
    dumped = premium.model_dump(mode="json")
    assert (dumped["multiplier"], dumped["calculated_price"], dumped["savings_amount"]) == (1.15, 517.5, 2317.5)


def test_price_tiers_above_the_anchor_are_negative_savings() -> None:
    priced = price_tiers(DEFAULT_TIERS, D(450), D(480), None)
    assert [(t.tier_id, t.savings_amount, t.savings_percentage, t.is_saving) for t in priced] == [
        ("premium", D("-37.50"), D("-7.81"), False),
        ("recommended", D("30.00"), D("6.25"), True),
        ("budget", D("75.00"), D("15.62"), True),
    ]
    assert not any(t.is_recommended for t in priced)


def test_price_tiers_skip_inactive_tiers_and_features() -> None:
    features = [
        TierFeature(feature_id="second", text="Second", display_order=2),
        TierFeature(feature_id="hidden", text="Hidden", display_order=0, active=False),
        TierFeature(feature_id="first", text="First", display_order=1),
    ]
    tiers = [
        *with_active({"premium": False}),
        DEFAULT_TIERS[1].model_copy(update={"tier_id": "extra", "display_order": 0, "features": features}),
    ]
    priced = price_tiers(tiers, D(100), D(200), "budget")
    assert [t.tier_id for t in priced] == ["extra", "recommended", "budget"]
    assert [f.feature_id for f in priced[0].features] == ["first", "second"]
    assert [t.is_recommended for t in priced] == [False, False, True]


def test_price_tiers_apply_variant_multipliers() -> None:
    variant = {"budget": D("0.85"), "premium": D("1.20"), "retired": D("2")}
    priced = {t.tier_id: t for t in price_tiers(DEFAULT_TIERS, D(450), D(2835), None, variant)}
    assert {tier_id: (t.multiplier, t.calculated_price) for tier_id, t in priced.items()} == {
        "premium": (D("1.20"), D("540.00")),
        "recommended": (D("1.00"), D("450.00")),
        "budget": (D("0.85"), D("382.50")),
    }


@pytest.mark.parametrize(("base", "anchor", "field"), [(D(0), D(2835), "base_price"), (D(450), D(0), "anchor_price")])
def test_price_tiers_refuse_non_positive_prices(base: Decimal, anchor: Decimal, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        price_tiers(DEFAULT_TIERS, base, anchor, None)
    assert caught.value.field == field


def tier_payload(**changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "tier_id": "gold",
        "name": "Gold",
        "multiplier": "1.25",
        "description": "Shiny",
        "acceptance_rate": 0.5,
        "response_time_hours": 6,
        "display_order": 0,
    }
    return payload | changes


def test_pricing_tier_accepts_a_valid_payload() -> None:
    tier = PricingTier.model_validate(tier_payload(features=[{"feature_id": "a", "text": "A", "display_order": 0}]))
    assert (tier.multiplier, tier.badge, tier.active, len(tier.features)) == (D("1.25"), None, True, 1)


@pytest.mark.parametrize(
    "changes",
    [
        {"tier_id": "Gold"},
        {"tier_id": "9gold"},
        {"tier_id": "g" * 33},
        {"multiplier": "0"},
        {"multiplier": "10.01"},
        {"multiplier": "1.12345"},
        {"name": ""},
        {"badge": "x" * 31},
        {"acceptance_rate": 1.01},
        {"response_time_hours": 0},
        {"response_time_hours": 721},
        {"display_order": -1},
        {"unknown": 1},
        {"features": [{"feature_id": "a", "text": "A", "display_order": 0}] * 2},
        {"features": [{"feature_id": f"f{i}", "text": "A", "display_order": i} for i in range(21)]},
        {"features": [{"feature_id": "a", "text": "", "display_order": 0}]},
    ],
)
def test_pricing_tier_rejects_bad_fields(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PricingTier.model_validate(tier_payload(**changes))


URGENCIES: list[UrgencyLevel | None] = ["critical", "high", "medium", "low", None]
EXPECTED_TIER: dict[ArchetypeType | None, list[str]] = {
    # critical, high, medium, low, unknown urgency
    "big_spender": ["premium"] * 5,
    "high_flexibility": ["recommended", "recommended", "budget", "budget", "budget"],
    "average_user": ["premium", "recommended", "recommended", "recommended", "recommended"],
    "new_user": ["premium", "recommended", "recommended", "recommended", "recommended"],
    None: ["premium", "recommended", "recommended", "recommended", "recommended"],
}


@pytest.mark.parametrize(
    ("archetype", "urgency", "tier_id"),
    [
        (archetype, urgency, tier_id)
        for archetype, tier_ids in EXPECTED_TIER.items()
        for urgency, tier_id in zip(URGENCIES, tier_ids, strict=True)
    ],
)
def test_recommendation_rule_table(archetype: ArchetypeType | None, urgency: UrgencyLevel | None, tier_id: str) -> None:
    recommendation = recommend_tier(DEFAULT_TIERS, archetype, urgency)
    assert recommendation is not None
    assert recommendation.tier_id == tier_id
    assert ("urgency unknown" if urgency is None else f"{urgency} urgency") in recommendation.reason
    assert "not available" not in recommendation.reason


def test_recommendation_reason_in_words() -> None:
    recommendation = recommend_tier(DEFAULT_TIERS, "big_spender", "high")
    assert recommendation is not None
    assert recommendation.reason == "Big spender, high urgency: speed and certainty matter more than price."
    flexible = recommend_tier(DEFAULT_TIERS, "high_flexibility", "low")
    assert flexible is not None
    assert flexible.reason.startswith("Flexible user, low urgency:")
    unknown = recommend_tier(DEFAULT_TIERS, None, None)
    assert unknown is not None
    assert unknown.reason.startswith("Unknown profile, urgency unknown:")


@pytest.mark.parametrize(
    ("inactive", "archetype", "urgency", "tier_id"),
    [
        ("premium", "big_spender", "high", "recommended"),  # 1.15 -> 1.00 is nearer than 0.90
        ("budget", "high_flexibility", "low", "recommended"),
        ("recommended", "average_user", "medium", "budget"),  # 1.00: 0.90 is 0.10 away, 1.15 is 0.15
        ("recommended", "high_flexibility", "high", "budget"),
    ],
)
def test_recommendation_falls_back_to_the_nearest_active_tier(
    inactive: str, archetype: ArchetypeType, urgency: UrgencyLevel, tier_id: str
) -> None:
    recommendation = recommend_tier(with_active({inactive: False}), archetype, urgency)
    assert recommendation is not None
    assert recommendation.tier_id == tier_id
    assert f"{inactive.capitalize()} is not available" in recommendation.reason


def test_recommendation_fallback_tie_goes_to_the_cheaper_tier() -> None:
    tiers = [
        DEFAULT_TIERS[0].model_copy(update={"multiplier": D("0.85")}),
        DEFAULT_TIERS[1].model_copy(update={"active": False}),
        DEFAULT_TIERS[2],
    ]
    recommendation = recommend_tier(tiers, "average_user", "low")
    assert recommendation is not None
    assert recommendation.tier_id == "budget"


def test_recommendation_with_custom_tiers_uses_default_multipliers() -> None:
    cheap = DEFAULT_TIERS[0].model_copy(update={"tier_id": "cheap", "multiplier": D("0.5")})
    fast = DEFAULT_TIERS[2].model_copy(update={"tier_id": "fast", "multiplier": D("1.3")})
    recommendation = recommend_tier([cheap, fast], "big_spender", "low")
    assert recommendation is not None
    assert recommendation.tier_id == "fast"  # nearest to premium's default 1.15


def test_no_recommendation_without_active_tiers() -> None:
    assert recommend_tier(with_active(dict.fromkeys(("budget", "recommended", "premium"), False)), None, None) is None
    assert recommend_tier([], "big_spender", "critical") is None
