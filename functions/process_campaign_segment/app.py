"""SQS worker: one parallel-scan segment of a campaign's recipients, from its checkpoint."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.campaign_fanout import campaign_ports, process_message
from nudge.notifications.campaign_queue import CampaignMessage
from nudge.notifications.campaign_senders import campaign_sender
from nudge.observability import logger, observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = campaign_ports(campaign_sender)

    def handle(record: SQSRecord) -> str:
        logger().set_correlation_id(record.message_id)
        message = CampaignMessage.model_validate_json(record.body)
        return process_message(ports, message, context.get_remaining_time_in_millis)

    # A failed message is redelivered and resumes at its checkpoint; after maxReceiveCount, the DLQ.
    return dict(
        process_partial_response(
            event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS), context=context
        )
    )
