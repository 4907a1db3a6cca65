"""The campaign fan-out queue (SQS): one message per segment of a campaign's parallel scan of profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from nudge import clients, config
from nudge.models import NudgeModel

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SEND_BATCH_LIMIT = 10


class CampaignMessage(NudgeModel):
    campaign_id: str
    segment: int = Field(ge=0)
    total_segments: int = Field(ge=1)


class CampaignQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def send(self, messages: list[CampaignMessage]) -> None:
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
