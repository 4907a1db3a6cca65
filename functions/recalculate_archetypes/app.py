"""SQS worker: recalculate one segment of users (or retry failed users) of a recalculation run."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.jobs.archetype_recalculation import process_message, recalculation_ports
from nudge.jobs.recalculation_queue import RecalculationMessage
from nudge.observability import logger, observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = recalculation_ports()

    def handle(record: SQSRecord) -> str:
        logger().set_correlation_id(record.message_id)
        message = RecalculationMessage.model_validate_json(record.body)
        return process_message(ports, message, context.get_remaining_time_in_millis)

    # A failed message is reported alone and redelivered from its checkpoint; after maxReceiveCount, the DLQ.
    return dict(
        process_partial_response(
            event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS), context=context
        )
    )
