"""The erasure work queue (SQS): one message per erasure to run.

A message names the user in clear (the worker must find their items) and carries the email address on
file, read when the erasure was requested, so a retry can still confirm after the profile is gone. It
stays in the queue until a worker finishes it, or in the dead-letter queue until handled or expired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nudge import clients, config
from nudge.models import NudgeModel

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class ErasureMessage(NudgeModel):
    erasure_id: str
    user_id: str
    email: str | None


class ErasureQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def send(self, message: ErasureMessage) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=message.model_dump_json())


def erasure_queue() -> ErasureQueue:
    return ErasureQueue(config.text("ERASURE_QUEUE_URL"), clients.sqs())
