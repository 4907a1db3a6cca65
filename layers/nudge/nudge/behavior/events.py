"""The behavioral events Nudge ingests: a user's marketplace date-change transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, PlainSerializer, field_validator

from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.money import CurrencyCode

# Clocks drift; an event a little ahead of ours is fine, one from tomorrow is a client bug.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_RESPONSE_TIME_SECONDS = 90 * 24 * 3600

Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class _TransactionEvent(NudgeModel):
    model_config = ConfigDict(frozen=True)

    event_id: Identifier = Field(description="Client-chosen id; re-sending it never counts the event twice")
    occurred_at: AwareDatetime
    request_id: Identifier | None = Field(default=None, description="The date-change request this concerns")
    amount: Money = Field(description="Transaction amount of the request")
    currency: CurrencyCode
    offered_price: Money = Field(description="Price offered in the request")
    listed_price: Money = Field(description="Listed price of the nights concerned")

    @field_validator("occurred_at")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
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
