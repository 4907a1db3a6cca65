"""Two event sources, one recording: an SES v2 event of Nudge's configuration set (send, delivery, bounce,
complaint, open, click), from its EventBridge rule, and WhatsApp message statuses (sent, delivered, read,
failed), from End User Messaging Social's SNS topic; each recorded on its campaign delivery and counters once.
An event whose delivery the index does not show yet fails, so Lambda's asynchronous retries bring it again
(delivery_feedback.INDEX_LAG_WINDOW)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.delivery_feedback import feedback_ports, record_provider_event
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return record_provider_event(feedback_ports(), event, datetime.now(UTC))
