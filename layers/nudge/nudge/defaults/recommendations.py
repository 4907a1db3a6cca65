"""Transaction recommendations: the caller's archetype and the booking's urgency pick the default.

One consistent BatchGetItem reads the user's state (signals, stored archetype, override); a stale
archetype is recomputed in memory, not written back, so a request makes at most one read and one
write (the log entry with its counters, in one transaction).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Self

from pydantic import Field, model_validator

from nudge.auth import Caller
from nudge.behavior.behavior_table import BehaviorTable
from nudge.defaults.archetype_state import effective, resolve
from nudge.defaults.default_selection import OptionType, select_default
from nudge.defaults.recommendation_log import (
    RecommendationRecord,
    RecommendedArchetype,
    RequestType,
    Selection,
)
from nudge.defaults.recommendation_table import RecommendationTable
from nudge.defaults.urgency import assess_urgency, days_until_check_in
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.money import CurrencyCode, Price

MAX_DAYS_AHEAD = 3 * 365


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


def recommend_for_caller(
    behavior: BehaviorTable,
    log: RecommendationTable,
    caller: Caller,
    request: RecommendationRequest,
    now: datetime,
    cache_ttl: timedelta,
) -> RecommendationRecord:
    urgency = assess_urgency(request.days_from(now.date()))
    resolution = resolve(caller.user_id, behavior.get_user_state(caller.user_id), now, cache_ttl)
    archetype = effective(resolution)
    selection = select_default(archetype, urgency, request.nightly_price, request.nights)
    record = RecommendationRecord(
        recommendation_id=uuid.uuid4().hex,
        user_id=caller.user_id,
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
    return record


class RecommendationPath(NudgeModel):
    recommendation_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="As returned by the API")]


class SelectionRequest(NudgeModel):
    selected_option: OptionType = Field(description="The option the user finally chose")


class SelectionResponse(NudgeModel):
    recommendation_id: str
    primary_recommendation: OptionType
    selected_option: OptionType
    followed_recommendation: bool
    selected_at: datetime


def select_for_caller(
    log: RecommendationTable, caller: Caller, recommendation_id: str, request: SelectionRequest, now: datetime
) -> SelectionResponse:
    """Record the user's final choice, once; only the user it was made for, or an admin."""
    record = log.get(recommendation_id)
    if record is None:
        raise NotFound("no such recommendation", field="recommendation_id")
    caller.ensure_can_access(record.user_id)
    if record.selection is not None:
        raise Conflict("a selection was already recorded for this recommendation", field="recommendation_id")
    selection = Selection(
        selected_option=request.selected_option,
        followed_recommendation=request.selected_option == record.primary_recommendation,
        selected_at=now,
        selected_by=caller.user_id,
    )
    if not log.record_selection(record, selection):
        raise Conflict("a selection was already recorded for this recommendation", field="recommendation_id")
    return SelectionResponse(
        recommendation_id=recommendation_id,
        primary_recommendation=record.primary_recommendation,
        selected_option=selection.selected_option,
        followed_recommendation=selection.followed_recommendation,
        selected_at=now,
    )
