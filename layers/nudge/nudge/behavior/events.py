"""The behavioral events Nudge ingests: a user's marketplace date-change transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.money import CurrencyCode, Price

# Clocks drift; an event a little ahead of ours is fine, one from tomorrow is a client bug.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_RESPONSE_TIME_SECONDS = 90 * 24 * 3600
# A sanity floor; the ingestion refuses anything older than the event retention window as well.
EARLIEST_EVENT = datetime(2000, 1, 1)


class _TransactionEvent(NudgeModel):
    model_config = ConfigDict(frozen=True)

    event_id: Identifier = Field(description="Client-chosen id; re-sending it never counts the event twice")
    occurred_at: AwareDatetime
    request_id: Identifier | None = Field(default=None, description="The date-change request this concerns")
    amount: Price = Field(description="Transaction amount of the request")
    currency: CurrencyCode
    offered_price: Price = Field(description="Price offered in the request")
    listed_price: Price = Field(description="Listed price of the nights concerned")

    @field_validator("occurred_at")
    @classmethod
    def _recent(cls, value: datetime) -> datetime:
        # Compared without the offset first: year 1 at +14:00 has no UTC equivalent to compare with.
        if value.replace(tzinfo=None) < EARLIEST_EVENT:
            raise ValueError(f"must not be before {EARLIEST_EVENT:%Y-%m-%d}")
        if value > datetime.now(UTC) + FUTURE_TOLERANCE:
            raise ValueError("must not be in the future")
        return value


class DateChangeRequestCreated(_TransactionEvent):
    """The user asked another user to change dates."""

    type: Literal["date_change_request.created"]


class DateChangeRequestAnswered(_TransactionEvent):
    """The user answered another user's date-change request."""

    type: Literal[
        "date_change_request.accepted",
        "date_change_request.rejected",
        "date_change_request.countered",
    ]
    response_time_seconds: int = Field(ge=0, le=MAX_RESPONSE_TIME_SECONDS)
    accommodated: bool = Field(default=False, description="Whether the user accommodated the other user")


BehavioralEvent = Annotated[
    DateChangeRequestCreated | DateChangeRequestAnswered,
    Field(discriminator="type"),
]
