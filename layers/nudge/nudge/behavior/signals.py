"""Per-user signal aggregates, updated incrementally as events arrive.

The stored aggregates are counts and sums only, so adding a batch is exact arithmetic; rates and
averages are derived when read. Definitions of the derived signals:

- acceptance_rate: accepted / answered requests; price_rejection_rate: rejected / answered.
- above_list_offer_rate: share of the user's own requests offering more than the listed price;
  average_offer_to_list_ratio: mean of offered / listed price over those requests.
- reciprocity_ratio: accommodations / (accommodations + own requests), in 0..1: how much the user
  gives back relative to what they ask for.
- request_frequency_per_30_days: own requests per 30 days over the span between the first and the
  last event, with the span counted as at least 30 days so a burst on day one is not extrapolated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from nudge.models import NudgeModel
from nudge.money import Amount, round_cents

if TYPE_CHECKING:
    # Types only: reading signals (recommendations, archetypes) should not load the event models.
    from nudge.behavior.events import DateChangeRequestCreated, TransactionEvent

RATIO_PLACES = Decimal("0.000001")
FREQUENCY_WINDOW_DAYS = 30


class SignalAggregates(NudgeModel):
    """What is stored per user: counts and sums, plus the version used for optimistic locking."""

    version: int = 0
    events_count: int = 0
    requests_created: int = 0
    offers_above_list: int = 0
    offer_to_list_ratio_total: Decimal = Decimal(0)
    transaction_value_totals: dict[str, Decimal] = Field(default_factory=dict)
    transaction_counts: dict[str, int] = Field(default_factory=dict)
    answers_accepted: int = 0
    answers_rejected: int = 0
    answers_countered: int = 0
    response_time_total_seconds: int = 0
    accommodations: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    updated_at: datetime | None = None


def apply_events(current: SignalAggregates, events: Sequence[TransactionEvent], now: datetime) -> SignalAggregates:
    """The aggregates after adding `events` (already de-duplicated) to `current`."""
    data = current.model_copy(deep=True)
    for event in events:
        data.events_count += 1
        if event.type == "date_change_request.created":
            _add_request(data, event)
        else:
            _add_answer(data, event.type, event.response_time_seconds, event.accommodated)
        data.first_event_at = min(filter(None, (data.first_event_at, event.occurred_at)))
        data.last_event_at = max(filter(None, (data.last_event_at, event.occurred_at)))
    data.version = current.version + 1
    data.updated_at = now
    return data


def _add_request(data: SignalAggregates, event: DateChangeRequestCreated) -> None:
    data.requests_created += 1
    if event.offered_price > event.listed_price:
        data.offers_above_list += 1
    ratio = (event.offered_price / event.listed_price).quantize(RATIO_PLACES, ROUND_HALF_UP)
    data.offer_to_list_ratio_total += ratio
    totals, counts = data.transaction_value_totals, data.transaction_counts
    totals[event.currency] = totals.get(event.currency, Decimal(0)) + event.amount
    counts[event.currency] = counts.get(event.currency, 0) + 1


def _add_answer(data: SignalAggregates, event_type: str, response_time: int, accommodated: bool) -> None:
    outcome = event_type.rsplit(".", 1)[1]
    setattr(data, f"answers_{outcome}", getattr(data, f"answers_{outcome}") + 1)
    data.response_time_total_seconds += response_time
    if accommodated:
        data.accommodations += 1


class TransactionValue(NudgeModel):
    currency: str
    count: int
    total: Amount
    average: Amount


class UserSignals(NudgeModel):
    """A user's behavioral signals as the API returns them."""

    user_id: str
    events_count: int
    requests_created: int
    answers_accepted: int
    answers_rejected: int
    answers_countered: int
    acceptance_rate: float | None
    price_rejection_rate: float | None
    average_response_time_seconds: float | None
    transaction_values: list[TransactionValue]
    above_list_offer_rate: float | None
    average_offer_to_list_ratio: float | None
    accommodations: int
    reciprocity_ratio: float | None
    request_frequency_per_30_days: float | None
    first_event_at: datetime | None
    last_event_at: datetime | None
    updated_at: datetime | None
    version: int


def _rate(numerator: Decimal | int, denominator: int) -> float | None:
    return round(float(numerator) / denominator, 4) if denominator else None


def _request_frequency(data: SignalAggregates) -> float | None:
    if data.first_event_at is None or data.last_event_at is None:
        return None
    span_days = (data.last_event_at - data.first_event_at).total_seconds() / 86400
    return round(data.requests_created * FREQUENCY_WINDOW_DAYS / max(span_days, FREQUENCY_WINDOW_DAYS), 4)


def describe(user_id: str, data: SignalAggregates) -> UserSignals:
    answers = data.answers_accepted + data.answers_rejected + data.answers_countered
    values = [
        TransactionValue.model_construct(
            currency=currency,
            count=count,
            total=data.transaction_value_totals[currency],
            average=round_cents(data.transaction_value_totals[currency] / count),
        )
        for currency, count in sorted(data.transaction_counts.items())
    ]
    return UserSignals.model_construct(
        user_id=user_id,
        events_count=data.events_count,
        requests_created=data.requests_created,
        answers_accepted=data.answers_accepted,
        answers_rejected=data.answers_rejected,
        answers_countered=data.answers_countered,
        acceptance_rate=_rate(data.answers_accepted, answers),
        price_rejection_rate=_rate(data.answers_rejected, answers),
        average_response_time_seconds=_rate(data.response_time_total_seconds, answers),
        transaction_values=values,
        above_list_offer_rate=_rate(data.offers_above_list, data.requests_created),
        average_offer_to_list_ratio=_rate(data.offer_to_list_ratio_total, data.requests_created),
        accommodations=data.accommodations,
        reciprocity_ratio=_rate(data.accommodations, data.accommodations + data.requests_created),
        request_frequency_per_30_days=_request_frequency(data),
        first_event_at=data.first_event_at,
        last_event_at=data.last_event_at,
        updated_at=data.updated_at,
        version=data.version,
    )
