"""Messages to an SQS queue, ten to a SendMessageBatch (SQS's limit); a message SQS refuses is an error, so the
caller's work stops rather than go on as if it had been queued."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from pydantic import BaseModel

SEND_BATCH_LIMIT = 10


def send_all(client: SQSClient, queue_url: str, messages: Sequence[BaseModel], what: str) -> None:
    """Each message as its JSON; `what` names them in the error ("campaign messages")."""
    for start in range(0, len(messages), SEND_BATCH_LIMIT):
        chunk = messages[start : start + SEND_BATCH_LIMIT]
        entries = [{"Id": str(index), "MessageBody": message.model_dump_json()} for index, message in enumerate(chunk)]
        response = client.send_message_batch(QueueUrl=queue_url, Entries=entries)  # type: ignore[arg-type]
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} {what}: {response['Failed']}")
