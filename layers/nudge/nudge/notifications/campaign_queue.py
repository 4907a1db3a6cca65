"""The campaign queue (SQS): one message per segment of a campaign's parallel scan of profiles, and one per
shard of the due-delivery index that has deliveries due (the minute sweep queues them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from nudge import clients, config
from nudge.models import NudgeModel

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SEND_BATCH_LIMIT = 10


class CampaignMessage(NudgeModel):
    """A segment of a campaign's parallel scan to work from its checkpoint."""

    campaign_id: str
    segment: int = Field(ge=0)
    total_segments: int = Field(ge=1)


class DueShardMessage(NudgeModel):
    """A shard of the due-delivery index to send what is due in, queued by the minute sweep."""

    due_shard: str


def parse_message(body: str) -> CampaignMessage | DueShardMessage:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[CampaignMessage | DueShardMessage] = TypeAdapter(CampaignMessage | DueShardMessage)
    return adapter.validate_json(body)


class CampaignQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def send(self, messages: Sequence[CampaignMessage | DueShardMessage]) -> None:
        for start in range(0, len(messages), SEND_BATCH_LIMIT):
            chunk = messages[start : start + SEND_BATCH_LIMIT]
            entries = [
                {"Id": str(index), "MessageBody": message.model_dump_json()} for index, message in enumerate(chunk)
            ]
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)  # type: ignore[arg-type]
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} campaign messages: {response['Failed']}")


def campaign_queue() -> CampaignQueue:
    return CampaignQueue(config.text("CAMPAIGN_QUEUE_URL"), clients.sqs())
