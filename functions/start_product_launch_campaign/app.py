"""EventBridge rule target: `product.launched` on Nudge's bus starts the product's launch campaign (email) to users
interested in its category, once per product."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.launch_trigger import handle_launch, launch_ports
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return handle_launch(launch_ports(), event, datetime.now(UTC))
