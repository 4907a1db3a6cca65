"""SQS worker: run one erasure, resuming at the first table its receipt does not list as done."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.observability import logger, observed
from nudge.privacy.erasure import process_erasure, worker_ports
from nudge.privacy.erasure_queue import ErasureMessage


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = worker_ports()

    def handle(record: SQSRecord) -> str:
        logger().set_correlation_id(record.message_id)
        message = ErasureMessage.model_validate_json(record.body)
        return process_erasure(ports, message, int(record.attributes.approximate_receive_count))

    # A failed message is reported alone and redelivered; after ErasureMaxAttempts, the dead-letter queue.
    return dict(
        process_partial_response(
            event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS), context=context
        )
    )
