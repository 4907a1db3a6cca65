"""The behavioral events Nudge ingests: a user's marketplace date-change transactions and, with the
user's consent, their engagement (nudge.engagement.engagement_events)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from nudge.behavior.event_base import TimedEvent
from nudge.engagement.engagement_events import NotificationClick, ProductEvent, SurveyEvent
from nudge.identifiers import Identifier
from nudge.money import CurrencyCode, Price

MAX_RESPONSE_TIME_SECONDS = 90 * 24 * 3600


class _TransactionEvent(TimedEvent):
    request_id: Identifier | None = Field(default=None, description="The date-change request this concerns")
    amount: Price = Field(description="Transaction amount of the request")
    currency: CurrencyCode
    offered_price: Price = Field(description="Price offered in the request")
    listed_price: Price = Field(description="Listed price of the nights concerned")


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


TransactionEvent = DateChangeRequestCreated | DateChangeRequestAnswered
BehavioralEvent = Annotated[
    DateChangeRequestCreated | DateChangeRequestAnswered | ProductEvent | SurveyEvent | NotificationClick,
    Field(discriminator="type"),
]
