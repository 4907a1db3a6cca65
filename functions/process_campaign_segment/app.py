"""SQS worker: one parallel-scan segment of a campaign's recipients from its checkpoint, or one shard of the
due-delivery index to send what is due."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.campaign_fanout import campaign_ports, process_message
from nudge.notifications.campaign_queue import parse_message
from nudge.notifications.channels import channel_sender
from nudge.observability import observed
from nudge.queue_batch import QueueMessage, handle_batch


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = campaign_ports(channel_sender)

    def handle(message: QueueMessage) -> str:
        return process_message(ports, parse_message(message.body), context.get_remaining_time_in_millis)

    # A failed message is reported alone and redelivered from its checkpoint; after maxReceiveCount, the DLQ.
    return handle_batch(event, handle)
