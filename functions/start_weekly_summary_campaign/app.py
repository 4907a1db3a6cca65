"""Schedule target: each week's run starts the weekly summary campaign (email, a marketing template) to the users
who consent to marketing email, once per ISO week."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.weekly_summary import handle_run, summary_ports
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return handle_run(summary_ports(), event, datetime.now(UTC))
