"""Urgency: how close check-in is, as a level, a price multiplier and a user-facing message.

A linear step model with four bands (`UrgencyConfig.bands`, checked in order; a band covers the days
up to and including its `max_days`, the last band is open-ended):

    level     days     multiplier  warning  message
    critical  0-3      1.50        yes      "Check-in {days} — act now"
    high      4-7      1.25        yes      "Check-in {days} — act soon"
    medium    8-14     1.10        no       "Check-in {days}"
    low       15+      1.00        no       "Check-in {days} — plenty of time"

In a message, "{days}" becomes "is today", "in 1 day" or "in N days". Days are whole calendar days
from today to the check-in date; a check-in date in the past is invalid input, not "critical".
"""

from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, model_validator

from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.money import Amount

UrgencyLevel = Literal["critical", "high", "medium", "low"]


class UrgencyBand(NudgeModel):
    level: UrgencyLevel
    max_days: int | None = Field(description="Last day (inclusive) the band covers; None for the open-ended band")
    multiplier: Amount
    show_warning: bool
    message: str


class UrgencyConfig(NudgeModel):
    bands: tuple[UrgencyBand, ...] = (
        UrgencyBand.model_construct(
            level="critical",
            max_days=3,
            multiplier=Decimal("1.5"),
            show_warning=True,
            message="Check-in {days} — act now",
        ),
        UrgencyBand.model_construct(
            level="high",
            max_days=7,
            multiplier=Decimal("1.25"),
            show_warning=True,
            message="Check-in {days} — act soon",
        ),
        UrgencyBand.model_construct(
            level="medium", max_days=14, multiplier=Decimal("1.1"), show_warning=False, message="Check-in {days}"
        ),
        UrgencyBand.model_construct(
            level="low",
            max_days=None,
            multiplier=Decimal("1.0"),
            show_warning=False,
            message="Check-in {days} — plenty of time",
        ),
    )

    @model_validator(mode="after")
    def _bands_cover_every_day(self) -> Self:
        limits = [band.max_days for band in self.bands]
        bounded = [limit for limit in limits[:-1] if limit is not None]
        if not limits or limits[-1] is not None or len(bounded) != len(limits) - 1 or bounded != sorted(set(bounded)):
            raise ValueError("bands need ascending max_days, with only the last band open-ended (max_days None)")
        return self


# Built without validation: importing (cold start) should not pay for a schema; a unit test validates it.
DEFAULT_URGENCY_CONFIG = UrgencyConfig.model_construct()


class Urgency(NudgeModel):
    level: UrgencyLevel
    days_until_check_in: int
    multiplier: Amount
    message: str
    show_warning: bool


MAX_DAYS_AHEAD = 3 * 365
"""Bookings further ahead than three years are not a date-change Nudge can price."""


def days_until_check_in(check_in: date, today: date) -> int:
    days = (check_in - today).days
    if days < 0:
        raise InvalidInput(f"check_in_date {check_in.isoformat()} is in the past", field="check_in_date")
    if days > MAX_DAYS_AHEAD:
        raise InvalidInput(f"must be at most {MAX_DAYS_AHEAD} days ahead", field="check_in_date")
    return days


def _when(days: int) -> str:
    if days == 0:
        return "is today"
    return "in 1 day" if days == 1 else f"in {days} days"


def assess_urgency(days: int, config: UrgencyConfig = DEFAULT_URGENCY_CONFIG) -> Urgency:
    if days < 0:
        raise InvalidInput(f"days_until_check_in must be 0 or more, got {days}", field="days_until_check_in")
    band = next(band for band in config.bands if band.max_days is None or days <= band.max_days)
    return Urgency(
        level=band.level,
        days_until_check_in=days,
        multiplier=band.multiplier,
        message=band.message.replace("{days}", _when(days)),
        show_warning=band.show_warning,
    )
