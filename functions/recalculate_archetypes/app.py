"""SQS worker: recalculate one segment of users (or retry failed users) of a recalculation run."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.jobs.archetype_recalculation import process_message, recalculation_ports
from nudge.jobs.recalculation_queue import RecalculationMessage
from nudge.observability import observed
from nudge.queue_batch import QueueMessage, handle_batch


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = recalculation_ports()

    def handle(message: QueueMessage) -> str:
        recalculation = RecalculationMessage.model_validate_json(message.body)
        return process_message(ports, recalculation, context.get_remaining_time_in_millis)

    # A failed message is reported alone and redelivered from its checkpoint; after maxReceiveCount, the DLQ.
    return handle_batch(event, handle)
