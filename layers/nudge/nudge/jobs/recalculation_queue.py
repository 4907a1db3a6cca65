"""The recalculation work queue (SQS): one message per segment to scan, or per batch of users to retry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from nudge import clients, config
from nudge.models import NudgeModel
from nudge.queue_sending import send_all

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class RecalculationMessage(NudgeModel):
    """Either a segment to scan from its checkpoint, or users whose first attempt failed."""

    run_id: str
    segment: int | None = Field(default=None, ge=0)
    total_segments: int = Field(ge=1)
    retry_user_ids: list[str] = Field(default_factory=list, max_length=100)


class RecalculationQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def send(self, messages: list[RecalculationMessage]) -> None:
        send_all(self._client, self._url, messages, "recalculation messages")


def recalculation_queue() -> RecalculationQueue:
    return RecalculationQueue(config.text("RECALCULATION_QUEUE_URL"), clients.sqs())
