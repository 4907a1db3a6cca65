"""Transaction recommendations: the caller's archetype and the booking's urgency pick the default.

One consistent BatchGetItem reads the user's state (signals, stored archetype, override); a stale
archetype is recomputed in memory, not written back, so a request makes at most one read and one
write (the log entry with its counters, in one transaction).
"""

from datetime import date, datetime, timedelta
from typing import Self

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, model_validator

from nudge.behavior.behavior_table import BehaviorTable
from nudge.defaults.archetype_items import load_user_state
from nudge.defaults.archetype_state import effective, resolve
from nudge.defaults.default_selection import select_default
from nudge.defaults.recommendation_log import (
    RecommendationRecord,
    RecommendedArchetype,
    RequestType,
)
from nudge.defaults.recommendation_table import RecommendationTable
from nudge.defaults.urgency import MAX_DAYS_AHEAD, assess_urgency, days_until_check_in
from nudge.errors import InvalidInput
from nudge.identifiers import Identifier, new_id
from nudge.models import NudgeModel
from nudge.money import CurrencyCode, Price
from nudge.observability import metrics
from nudge.users.actor import Actor


class RecommendationRequest(NudgeModel):
    listing_id: Identifier
    nightly_price: Price = Field(description="Price of one night, in `currency`")
    currency: CurrencyCode = "USD"
    nights: int = Field(default=1, ge=1, le=365, description="Nights the request concerns")
    check_in_date: date | None = Field(default=None, description="Give this or days_until_check_in")
    days_until_check_in: int | None = Field(default=None, ge=0, le=MAX_DAYS_AHEAD)
    request_type: RequestType = "date_change"

    @model_validator(mode="after")
    def _one_check_in(self) -> Self:
        if (self.check_in_date is None) == (self.days_until_check_in is None):
            # Raised as InvalidInput (not ValueError) so the 422 names a field rather than the whole body.
            raise InvalidInput("give exactly one of check_in_date and days_until_check_in", field="check_in_date")
        return self

    def days_from(self, today: date) -> int:
        if self.check_in_date is not None:
            return days_until_check_in(self.check_in_date, today)
        return self.days_until_check_in or 0


def recommend_for_actor(
    behavior: BehaviorTable,
    log: RecommendationTable,
    actor: Actor,
    request: RecommendationRequest,
    now: datetime,
    cache_ttl: timedelta,
) -> RecommendationRecord:
    urgency = assess_urgency(request.days_from(now.date()))
    resolution = resolve(actor.user_id, load_user_state(behavior, actor.user_id), now, cache_ttl)
    archetype = effective(resolution)
    selection = select_default(archetype, urgency, request.nightly_price, request.nights)
    record = RecommendationRecord(
        recommendation_id=new_id(),
        user_id=actor.user_id,
        created_at=now,
        listing_id=request.listing_id,
        request_type=request.request_type,
        currency=request.currency,
        nightly_price=request.nightly_price,
        nights=request.nights,
        primary_recommendation=selection.primary,
        rule=selection.rule,
        options=selection.options,
        archetype=RecommendedArchetype(
            type=archetype.archetype,
            confidence=archetype.confidence,
            source="computed" if resolution.override is None else "override",
            default_price_multiplier=archetype.default_price_multiplier,
            reasons=archetype.reasons,
        ),
        urgency=urgency,
    )
    log.log(record)
    metrics().add_metric(name="RecommendationImpressions", unit=MetricUnit.Count, value=1)
    return record
