"""SQS batches with partial failures (the event source's ReportBatchItemFailures): each message is handled on
its own, and only the failed ones are reported, so SQS redelivers those alone.

It does what Powertools' BatchProcessor does for SQS, without its import: that utility loads asyncio,
multiprocessing and every event data class, about 80 ms of a worker's cold start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from nudge.observability import logger


class QueueMessage(NamedTuple):
    message_id: str
    body: str
    receive_count: int


class EveryMessageFailed(Exception):
    """Raised when no message of the batch succeeded: the invocation fails (and counts in the error alarm)
    instead of succeeding while doing nothing; SQS redelivers the whole batch."""


def _message(record: Mapping[str, Any]) -> QueueMessage:
    return QueueMessage(
        record["messageId"], record["body"], int(record.get("attributes", {}).get("ApproximateReceiveCount", 1))
    )


def handle_batch(event: Mapping[str, Any], handle: Callable[[QueueMessage], object]) -> dict[str, Any]:
    """Call `handle` for every record; the Lambda response naming the messages it raised for."""
    failures: list[dict[str, str]] = []
    records = event.get("Records", [])
    for record in records:
        message = _message(record)
        logger().set_correlation_id(message.message_id)
        try:
            handle(message)
        except Exception:  # noqa: BLE001 - a failed message is reported, the others go on
            logger().exception("message failed; SQS will redeliver it")
            failures.append({"itemIdentifier": message.message_id})
    logger().set_correlation_id(None)
    if records and len(failures) == len(records):
        raise EveryMessageFailed(f"all {len(records)} messages of the batch failed")
    return {"batchItemFailures": failures}
