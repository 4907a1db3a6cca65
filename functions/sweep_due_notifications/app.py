"""EventBridge schedule (every minute): start the campaigns whose time has come and queue the due-index shards
that have deliveries due, for the campaign workers to send."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.campaign_admin import fan_out
from nudge.notifications.campaign_fanout import sweep
from nudge.notifications.delivery_table import delivery_table
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return sweep(fan_out(), delivery_table(), datetime.now(UTC))
