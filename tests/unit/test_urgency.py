from datetime import date
from decimal import Decimal

import pytest

from nudge.defaults.urgency import UrgencyBand, UrgencyConfig, assess_urgency, days_until_check_in
from nudge.errors import InvalidInput

TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("days", "level", "multiplier", "warning"),
    [
        (0, "critical", Decimal("1.5"), True),
        (3, "critical", Decimal("1.5"), True),
        (4, "high", Decimal("1.25"), True),
        (7, "high", Decimal("1.25"), True),
        (8, "medium", Decimal("1.1"), False),
        (14, "medium", Decimal("1.1"), False),
        (15, "low", Decimal("1.0"), False),
        (10_000, "low", Decimal("1.0"), False),
    ],
)
def test_band_edges(days: int, level: str, multiplier: Decimal, warning: bool) -> None:
    urgency = assess_urgency(days)

    assert (urgency.level, urgency.multiplier, urgency.show_warning) == (level, multiplier, warning)
    assert urgency.days_until_check_in == days


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "Check-in is today — act now"),
        (1, "Check-in in 1 day — act now"),
        (2, "Check-in in 2 days — act now"),
        (5, "Check-in in 5 days — act soon"),
        (10, "Check-in in 10 days"),
        (30, "Check-in in 30 days — plenty of time"),
    ],
)
def test_messages_are_user_facing_and_pluralised(days: int, message: str) -> None:
    assert assess_urgency(days).message == message


def test_negative_days_are_invalid() -> None:
    with pytest.raises(InvalidInput) as raised:
        assess_urgency(-1)

    assert raised.value.field == "days_until_check_in"


@pytest.mark.parametrize(("check_in", "days"), [(date(2026, 11, 1), 0), (date(2026, 11, 2), 1), (date(2027, 1, 1), 61)])
def test_days_until_check_in_counts_calendar_days(check_in: date, days: int) -> None:
    assert days_until_check_in(check_in, TODAY) == days


def test_past_check_in_date_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="is in the past") as raised:
        days_until_check_in(date(2026, 10, 31), TODAY)

    assert raised.value.field == "check_in_date"
    assert raised.value.message == "check_in_date 2026-10-31 is in the past"


def test_custom_bands_are_used() -> None:
    config = UrgencyConfig(
        bands=(
            UrgencyBand(level="high", max_days=1, multiplier=Decimal("2"), show_warning=True, message="Soon: {days}"),
            UrgencyBand(level="low", max_days=None, multiplier=Decimal("1"), show_warning=False, message="Later"),
        )
    )

    assert assess_urgency(1, config).message == "Soon: in 1 day"
    assert assess_urgency(2, config).level == "low"


@pytest.mark.parametrize("limits", [(3, 7), (7, 3, None), (3, None, None), (3, 3, None), ()])
def test_bands_must_ascend_and_end_open(limits: tuple[int | None, ...]) -> None:
    bands = tuple(
        UrgencyBand(level="low", max_days=limit, multiplier=Decimal(1), show_warning=False, message="m")
        for limit in limits
    )

    with pytest.raises(ValueError, match="ascending max_days"):
        UrgencyConfig(bands=bands)
