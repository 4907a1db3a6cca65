from decimal import Decimal

import pytest

from nudge.defaults.archetype_detection import DEFAULT_ARCHETYPE_CONFIG, ArchetypeAssessment
from nudge.defaults.archetype_names import ArchetypeType
from nudge.defaults.default_selection import PricingConfig, select_default
from nudge.defaults.urgency import assess_urgency
from nudge.errors import InvalidInput


def assessment(archetype: ArchetypeType, confidence: float = 0.8) -> ArchetypeAssessment:
    return ArchetypeAssessment(
        archetype=archetype,
        confidence=confidence,
        default_price_multiplier=DEFAULT_ARCHETYPE_CONFIG.default_price_multipliers[archetype],
        scores={"big_spender": 0.5, "high_flexibility": 0.5},
        signals={},
        reasons=[],
    )


@pytest.mark.parametrize(
    ("archetype", "days", "rule", "order"),
    [
        ("big_spender", 0, "big_spender_urgent", ["buyout", "crash", "swap"]),
        ("big_spender", 7, "big_spender_urgent", ["buyout", "crash", "swap"]),
        ("big_spender", 14, "big_spender_urgent", ["buyout", "crash", "swap"]),
        ("big_spender", 15, "big_spender_low_urgency", ["buyout", "crash", "swap"]),
        ("high_flexibility", 0, "high_flexibility", ["swap", "crash", "buyout"]),
        ("high_flexibility", 10, "high_flexibility", ["swap", "crash", "buyout"]),
        ("high_flexibility", 60, "high_flexibility", ["swap", "crash", "buyout"]),
        ("average_user", 15, "average_low_urgency", ["swap", "crash", "buyout"]),
        ("average_user", 14, "average_medium_urgency", ["crash", "swap", "buyout"]),
        ("average_user", 8, "average_medium_urgency", ["crash", "swap", "buyout"]),
        ("average_user", 7, "average_high_urgency", ["crash", "swap", "buyout"]),
        ("average_user", 0, "average_high_urgency", ["crash", "swap", "buyout"]),
        ("new_user", 2, "new_user", ["crash", "swap", "buyout"]),
        ("new_user", 30, "new_user", ["crash", "swap", "buyout"]),
    ],
)
def test_rules_and_fallback_order(archetype: ArchetypeType, days: int, rule: str, order: list[str]) -> None:
    selection = select_default(assessment(archetype), assess_urgency(days), Decimal(100), 2)

    assert selection.rule == rule
    assert selection.primary == order[0]
    assert [option.type for option in selection.options] == order
    assert [option.priority for option in selection.options] == [1, 2, 3]
    assert [option.recommended for option in selection.options] == [True, False, False]


def test_worked_pricing_big_spender_high_urgency() -> None:
    # 315 x 6 nights = 1890; x 1.20 (big spender) x 1.25 (high urgency) = 2835 for a buyout
    selection = select_default(assessment("big_spender"), assess_urgency(5), Decimal("315.00"), 6)

    prices = {option.type: (option.price, option.platform_fee, option.total_cost) for option in selection.options}
    assert prices == {
        "buyout": (Decimal("2835.00"), Decimal("42.53"), Decimal("2877.53")),  # fee 42.525 rounds half up
        "crash": (Decimal("1417.50"), Decimal("21.26"), Decimal("1438.76")),  # fee 21.2625
        "swap": (Decimal("425.25"), Decimal("6.38"), Decimal("431.63")),  # fee 6.37875
    }


def test_half_cent_prices_round_half_up() -> None:
    selection = select_default(assessment("average_user"), assess_urgency(30), Decimal("100.05"), 1)

    prices = {option.type: (option.price, option.platform_fee, option.total_cost) for option in selection.options}
    assert prices == {
        "buyout": (Decimal("100.05"), Decimal("1.50"), Decimal("101.55")),  # fee 1.50075
        "crash": (Decimal("50.03"), Decimal("0.75"), Decimal("50.78")),  # price 50.025 (half-even would give 50.02)
        "swap": (Decimal("15.01"), Decimal("0.23"), Decimal("15.24")),  # price 15.0075, fee 0.22515
    }


def test_half_cent_fee_rounds_half_up() -> None:
    # 3.00 x 0.015 = 0.045 exactly: half up gives 0.05 (half-even would give 0.04)
    buyout = select_default(assessment("new_user"), assess_urgency(30), Decimal("3.00"), 1).options[2]

    assert (buyout.type, buyout.price, buyout.platform_fee, buyout.total_cost) == (
        "buyout",
        Decimal("3.00"),
        Decimal("0.05"),
        Decimal("3.05"),
    )


def test_flexible_discount_and_medium_urgency_multiply() -> None:
    # 200 x 3 = 600; x 0.90 (flexible) x 1.1 (medium) x 0.15 (swap) = 89.10
    swap = select_default(assessment("high_flexibility"), assess_urgency(10), Decimal(200), 3).options[0]

    assert (swap.price, swap.platform_fee, swap.total_cost) == (Decimal("89.10"), Decimal("1.34"), Decimal("90.44"))


def test_prices_serialise_as_json_numbers() -> None:
    selection = select_default(assessment("big_spender"), assess_urgency(5), Decimal("315.00"), 6)

    dumped = selection.model_dump(mode="json")["options"][0]
    assert (dumped["price"], dumped["platform_fee"], dumped["total_cost"]) == (2835.0, 42.53, 2877.53)


def test_confidence_is_archetype_confidence_then_lower() -> None:
    selection = select_default(assessment("average_user", confidence=0.8), assess_urgency(10), Decimal(100), 1)

    assert [option.confidence for option in selection.options] == [0.8, 0.48, 0.24]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, {"buyout": 0.9, "crash": 0.65, "swap": 0.3}),
        (5, {"buyout": 0.9, "crash": 0.65, "swap": 0.35}),
        (10, {"buyout": 0.85, "crash": 0.65, "swap": 0.45}),
        (20, {"buyout": 0.8, "crash": 0.65, "swap": 0.5}),
    ],
)
def test_acceptance_probability_adjusts_with_urgency(days: int, expected: dict[str, float]) -> None:
    selection = select_default(assessment("average_user"), assess_urgency(days), Decimal(100), 1)

    assert {option.type: option.estimated_acceptance_probability for option in selection.options} == expected


def test_acceptance_probability_is_clamped() -> None:
    config = PricingConfig(base_acceptance_probability={"buyout": 0.99, "crash": 0.5, "swap": 0.05})

    selection = select_default(assessment("big_spender"), assess_urgency(0), Decimal(100), 1, config)

    assert {option.type: option.estimated_acceptance_probability for option in selection.options} == {
        "buyout": 1.0,
        "crash": 0.5,
        "swap": 0.0,
    }


def test_every_option_explains_archetype_and_urgency() -> None:
    selection = select_default(assessment("big_spender"), assess_urgency(2), Decimal(100), 1)

    for option in selection.options:
        text = " ".join(option.reasons)
        assert "a big spender" in text
        assert "Critical urgency: Check-in in 2 days — act now" in text
    assert selection.options[0].reasons[1] == (
        "Recommended for a big spender: with check-in within 14 days, securing the dates outright matters most"
    )
    assert selection.options[2].reasons[1] == "Alternative 2 for a big spender"


@pytest.mark.parametrize("price", [Decimal(0), Decimal("-1"), Decimal("NaN"), Decimal("Infinity")])
def test_nightly_price_must_be_positive(price: Decimal) -> None:
    with pytest.raises(InvalidInput) as raised:
        select_default(assessment("average_user"), assess_urgency(3), price, 1)

    assert raised.value.field == "nightly_price"


@pytest.mark.parametrize("nights", [0, -2])
def test_nights_must_be_at_least_one(nights: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        select_default(assessment("average_user"), assess_urgency(3), Decimal(100), nights)

    assert raised.value.field == "nights"
