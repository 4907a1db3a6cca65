"""SQS worker: run one erasure, resuming at the first table its receipt does not list as done."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.observability import observed
from nudge.privacy.erasure import process_erasure, worker_ports
from nudge.privacy.erasure_queue import ErasureMessage
from nudge.queue_batch import QueueMessage, handle_batch


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = worker_ports()

    def handle(message: QueueMessage) -> str:
        erasure = ErasureMessage.model_validate_json(message.body)
        return process_erasure(ports, erasure, message.receive_count)

    # A failed message is reported alone and redelivered; after ErasureMaxAttempts, the dead-letter queue.
    return handle_batch(event, handle)
