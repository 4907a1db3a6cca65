"""Savings for display: amounts and percentages against the anchor, formatted in a currency.

The numbers come from `tiers.savings_against` (amount half-up to cents; percentage to 2 decimals,
toward zero). For display:

- money: the currency's symbol, thousands separators, the currency's decimals (half-up); a negative
  amount gets a leading minus: "-$45.00". Symbols are prefixes; CHF is "CHF " with a space.
- percentage: rounded half-up to a whole number ("88%"); a negative one keeps its minus ("-10%").
- combined: "$2,506.00 (88% off)" for a saving or no change, "-$45.00 (-10%)" for a surcharge.
- `format` ("amount", "percentage", "both") picks which formatted fields are filled; the others are
  None. The display message uses the same pieces.

Saving tier, on the 2-decimal percentage (strictly above each threshold):

    massive  > 75      "Save $2,506.00 (88% off!) - Incredible value"
    great    > 50      "Save ... - Great deal"
    good     > 25      "Save ... - Good value"
    small    > 0       "Save ..."
    none     <= 0      "Same price as the reference price" / "Costs $45.00 (10%) more than the reference price"

So exactly 75.00 is great and 75.01 massive.

Currencies are `nudge.money.CURRENCIES` (code -> display prefix, decimals), the one list every route
accepts: e.g. USD "$" 2, JPY "¥" 0, CHF "CHF " 2. Any other code is invalid input (field "currency").
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from nudge.anchoring.tiers import Savings, savings_against
from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.money import CURRENCIES, Amount

SavingsFormat = Literal["amount", "percentage", "both"]
SavingTier = Literal["none", "small", "good", "great", "massive"]

# Highest first: the first threshold the percentage is strictly above wins.
_TIER_THRESHOLDS: tuple[tuple[Decimal, SavingTier], ...] = (
    (Decimal(75), "massive"),
    (Decimal(50), "great"),
    (Decimal(25), "good"),
    (Decimal(0), "small"),
)
_TIER_SUFFIX: dict[SavingTier, str] = {
    "massive": " - Incredible value",
    "great": " - Great deal",
    "good": " - Good value",
    "small": "",
    "none": "",
}


class SavingsDisplay(NudgeModel):
    savings_amount: Amount
    savings_percentage: Amount
    formatted_amount: str | None
    formatted_percentage: str | None
    formatted_combined: str | None
    is_saving: bool
    saving_tier: SavingTier
    display_message: str
    currency: str
    format: SavingsFormat


def _currency(code: str) -> tuple[str, str, int]:
    normalised = code.upper()
    if normalised not in CURRENCIES:
        raise InvalidInput(
            f"Unsupported currency {code!r}; supported: {', '.join(sorted(CURRENCIES))}", field="currency"
        )
    symbol, decimals = CURRENCIES[normalised]
    return normalised, symbol, decimals


def format_money(amount: Decimal, currency: str) -> str:
    """ "$2,506.00", "¥2,506", "-$45.00"; unknown currency is invalid input."""
    _, symbol, decimals = _currency(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol}{abs(rounded):,.{decimals}f}"


def saving_tier(percentage: Decimal) -> SavingTier:
    for threshold, tier in _TIER_THRESHOLDS:
        if percentage > threshold:
            return tier
    return "none"


def _format_percentage(percentage: Decimal) -> str:
    whole = percentage.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole if whole else 0}%"  # no "-0%"


def _message(tier: SavingTier, savings: Savings, code: str, style: SavingsFormat) -> str:
    if savings.amount == 0:
        return "Same price as the reference price"
    # A surcharge is worded with positive figures: "Costs $45.00 (10%) more than the reference price".
    money = format_money(abs(savings.amount), code)
    percent = _format_percentage(abs(savings.percentage))
    if savings.amount < 0:
        cost = {"amount": money, "percentage": percent, "both": f"{money} ({percent})"}[style]
        return f"Costs {cost} more than the reference price"
    mark = "!" if tier == "massive" else ""
    phrase = {
        "amount": f"{money}{mark}",
        "percentage": f"{percent} off{mark}",
        "both": f"{money} ({percent} off{mark})",
    }
    return f"Save {phrase[style]}{_TIER_SUFFIX[tier]}"


def describe_savings(
    offer: Decimal,
    anchor: Decimal,
    format: SavingsFormat,  # noqa: A002 (the API's field name)
    currency: str,
) -> SavingsDisplay:
    """Savings of `offer` against `anchor` with formatted strings, a saving tier and a message."""
    code, _, _ = _currency(currency)
    savings = savings_against(offer, anchor, field="anchor_price")
    money = format_money(savings.amount, code)
    percent = _format_percentage(savings.percentage)
    combined = f"{money} ({percent})" if savings.amount < 0 else f"{money} ({percent} off)"
    tier = saving_tier(savings.percentage)
    return SavingsDisplay(
        savings_amount=savings.amount,
        savings_percentage=savings.percentage,
        formatted_amount=money if format in ("amount", "both") else None,
        formatted_percentage=percent if format in ("percentage", "both") else None,
        formatted_combined=combined if format == "both" else None,
        is_saving=savings.is_saving,
        saving_tier=tier,
        display_message=_message(tier, savings, code, format),
        currency=code,
        format=format,
    )
