from decimal import Decimal

import pytest

from nudge.anchoring.savings import (
    SavingsFormat,
    SavingTier,
    describe_savings,
    format_money,
    saving_tier,
)
from nudge.errors import InvalidInput
from nudge.money import CURRENCIES

D = Decimal


def test_worked_example_both() -> None:
    display = describe_savings(D(329), D(2835), "both", "USD")
    assert display.model_dump(mode="json") == {
        "savings_amount": 2506.0,
        "savings_percentage": 88.39,
        "formatted_amount": "$2,506.00",
        "formatted_percentage": "88%",
        "formatted_combined": "$2,506.00 (88% off)",
        "is_saving": True,
        "saving_tier": "massive",
        "display_message": "Save $2,506.00 (88% off!) - Incredible value",
        "currency": "USD",
        "format": "both",
    }
    assert (display.savings_amount, display.savings_percentage) == (D("2506.00"), D("88.39"))


@pytest.mark.parametrize(
    ("style", "amount", "percentage", "combined", "message"),
    [
        ("amount", "$2,506.00", None, None, "Save $2,506.00! - Incredible value"),
        ("percentage", None, "88%", None, "Save 88% off! - Incredible value"),
        ("both", "$2,506.00", "88%", "$2,506.00 (88% off)", "Save $2,506.00 (88% off!) - Incredible value"),
    ],
)
def test_each_format_fills_only_its_fields(
    style: SavingsFormat, amount: str | None, percentage: str | None, combined: str | None, message: str
) -> None:
    display = describe_savings(D(329), D(2835), style, "USD")
    assert (display.formatted_amount, display.formatted_percentage, display.formatted_combined) == (
        amount,
        percentage,
        combined,
    )
    assert display.display_message == message
    assert display.format == style


@pytest.mark.parametrize(
    ("style", "amount", "percentage", "combined", "message"),
    [
        ("both", "-$45.00", "-10%", "-$45.00 (-10%)", "Costs $45.00 (10%) more than the reference price"),
        ("amount", "-$45.00", None, None, "Costs $45.00 more than the reference price"),
        ("percentage", None, "-10%", None, "Costs 10% more than the reference price"),
    ],
)
def test_negative_savings_are_formatted_with_a_minus(
    style: SavingsFormat, amount: str | None, percentage: str | None, combined: str | None, message: str
) -> None:
    display = describe_savings(D(495), D(450), style, "USD")
    assert (display.savings_amount, display.savings_percentage) == (D("-45.00"), D("-10.00"))
    assert (display.is_saving, display.saving_tier) == (False, "none")
    assert (display.formatted_amount, display.formatted_percentage, display.formatted_combined) == (
        amount,
        percentage,
        combined,
    )
    assert display.display_message == message


def test_no_change_is_not_a_saving() -> None:
    display = describe_savings(D(450), D(450), "both", "USD")
    assert (display.is_saving, display.saving_tier, display.formatted_combined) == (False, "none", "$0.00 (0% off)")
    assert display.display_message == "Same price as the reference price"


@pytest.mark.parametrize(
    ("offer", "percentage", "tier", "message"),
    [
        (D("24.99"), D("75.01"), "massive", "Save $75.01 (75% off!) - Incredible value"),
        (D(25), D("75.00"), "great", "Save $75.00 (75% off) - Great deal"),
        (D("49.99"), D("50.01"), "great", "Save $50.01 (50% off) - Great deal"),
        (D(50), D("50.00"), "good", "Save $50.00 (50% off) - Good value"),
        (D("74.99"), D("25.01"), "good", "Save $25.01 (25% off) - Good value"),
        (D(75), D("25.00"), "small", "Save $25.00 (25% off)"),
        (D("99.99"), D("0.01"), "small", "Save $0.01 (0% off)"),
        (D(100), D("0.00"), "none", "Same price as the reference price"),
        (D("100.01"), D("-0.01"), "none", "Costs $0.01 (0%) more than the reference price"),
    ],
)
def test_saving_tier_boundaries(offer: Decimal, percentage: Decimal, tier: SavingTier, message: str) -> None:
    display = describe_savings(offer, D(100), "both", "USD")
    assert (display.savings_percentage, display.saving_tier, display.display_message) == (percentage, tier, message)


@pytest.mark.parametrize(
    ("percentage", "tier"),
    [
        (D(100), "massive"),
        (D("75.01"), "massive"),
        (D(75), "great"),
        (D("50.01"), "great"),
        (D(50), "good"),
        (D("25.01"), "good"),
        (D(25), "small"),
        (D("0.01"), "small"),
        (D(0), "none"),
        (D(-5), "none"),
    ],
)
def test_saving_tier_thresholds(percentage: Decimal, tier: SavingTier) -> None:
    assert saving_tier(percentage) == tier


@pytest.mark.parametrize(
    ("offer", "shown"),
    [(D("87.50"), "13%"), (D("87.51"), "12%"), (D("66.67"), "33%"), (D("33.33"), "67%"), (D("112.50"), "-13%")],
)
def test_percentage_shown_half_up_to_a_whole_number(offer: Decimal, shown: str) -> None:
    assert describe_savings(offer, D(100), "percentage", "USD").formatted_percentage == shown


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (D("2506"), "USD", "$2,506.00"),
        (D("2506"), "EUR", "€2,506.00"),
        (D("2506"), "GBP", "£2,506.00"),
        (D("2506"), "JPY", "¥2,506"),
        (D("2506.50"), "JPY", "¥2,507"),  # half-up to whole yen
        (D("2506.49"), "JPY", "¥2,506"),
        (D("1234.5"), "CHF", "CHF 1,234.50"),
        (D("1234.5"), "CAD", "CA$1,234.50"),
        (D("1234.5"), "AUD", "A$1,234.50"),
        (D("1234567.891"), "USD", "$1,234,567.89"),
        (D("0.005"), "USD", "$0.01"),
        (D("-45"), "USD", "-$45.00"),
        (D("-0.004"), "USD", "$0.00"),
        (D("12.3"), "usd", "$12.30"),
    ],
)
def test_format_money(amount: Decimal, currency: str, text: str) -> None:
    assert format_money(amount, currency) == text


def test_supported_currencies() -> None:
    assert {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "INR", "BRL"} <= set(CURRENCIES)
    assert "XYZ" not in CURRENCIES
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES)


def test_other_currencies_in_display() -> None:
    display = describe_savings(D(329), D(2835), "both", "jpy")
    assert (display.currency, display.formatted_combined) == ("JPY", "¥2,506 (88% off)")
    assert display.savings_amount == D("2506.00")


@pytest.mark.parametrize("currency", ["XYZ", "", "US", "$"])
def test_unknown_currency_is_invalid(currency: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        describe_savings(D(329), D(2835), "both", currency)
    assert caught.value.field == "currency"
    with pytest.raises(InvalidInput) as formatting:
        format_money(D(1), currency)
    assert formatting.value.field == "currency"


@pytest.mark.parametrize("anchor", [D(0), D(-100)])
def test_non_positive_anchor_is_invalid(anchor: Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        describe_savings(D(329), anchor, "both", "USD")
    assert caught.value.field == "anchor_price"
