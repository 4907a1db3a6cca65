"""What every behavioral event has: a client-chosen id and when it happened, within sane bounds."""

from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from nudge.identifiers import Identifier
from nudge.models import NudgeModel

# Clocks drift; an event a little ahead of ours is fine, one from tomorrow is a client bug.
FUTURE_TOLERANCE = timedelta(minutes=5)
# A sanity floor; the ingestion refuses anything older than the event retention window as well.
EARLIEST_EVENT = datetime(2000, 1, 1)


class TimedEvent(NudgeModel):
    model_config = ConfigDict(frozen=True)

    event_id: Identifier = Field(description="Client-chosen id; re-sending it never counts the event twice")
    occurred_at: AwareDatetime

    @field_validator("occurred_at")
    @classmethod
    def _recent(cls, value: datetime) -> datetime:
        # Compared without the offset first: year 1 at +14:00 has no UTC equivalent to compare with.
        if value.replace(tzinfo=None) < EARLIEST_EVENT:
            raise ValueError(f"must not be before {EARLIEST_EVENT:%Y-%m-%d}")
        if value > datetime.now(UTC) + FUTURE_TOLERANCE:
            raise ValueError("must not be in the future")
        return value
