"""The campaign queue (SQS): one message per segment of a campaign's parallel scan of profiles, and one per
shard of the due-delivery index that has deliveries due (the minute sweep queues them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from nudge import clients, config
from nudge.models import NudgeModel
from nudge.queue_sending import send_all

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


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
    """`client` is called at the first send: a fan-out worker queues only when its time runs out, so its cold
    start does not create an SQS client it rarely uses."""

    def __init__(self, queue_url: str, client: Callable[[], SQSClient]) -> None:
        self._url = queue_url
        self._client = client

    def send(self, messages: Sequence[CampaignMessage | DueShardMessage]) -> None:
        send_all(self._client(), self._url, messages, "campaign messages")


def campaign_queue() -> CampaignQueue:
    return CampaignQueue(config.text("CAMPAIGN_QUEUE_URL"), clients.sqs)
