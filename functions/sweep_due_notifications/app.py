"""EventBridge schedule (every minute): start the campaigns and send the deliveries whose minute has come."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.campaign_admin import fan_out
from nudge.notifications.campaign_fanout import campaign_ports, sweep
from nudge.notifications.channels import channel_sender
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return sweep(campaign_ports(channel_sender), fan_out(), context.get_remaining_time_in_millis)
