"""What the idempotency table holds about a user, as an export shows it (loaded only by the export)."""

from datetime import datetime
from typing import Any

from pydantic import Field

from nudge.models import NudgeModel
from nudge.users.personal_data import ExportSection


class StoredResponse(NudgeModel):
    status: str = Field(description="COMPLETED, or INPROGRESS while the first request runs")
    expires_at: datetime = Field(description="When it stops being replayed (and DynamoDB's TTL then deletes it)")
    response: Any = Field(description="The first response, replayed to a retry with the same key and body")


class IdempotencyExport(ExportSection):
    responses: list[StoredResponse]
