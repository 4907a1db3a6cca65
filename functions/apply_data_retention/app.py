"""EventBridge schedule (daily): warn users inactive for almost InactiveUserRetentionMonths, erase those past it."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.observability import observed
from nudge.privacy.retention import apply_retention, retention_ports


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports, policy = retention_ports()
    return apply_retention(ports, policy, context.get_remaining_time_in_millis).model_dump()
