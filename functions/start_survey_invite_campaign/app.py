"""EventBridge rule target: `survey.published` on Nudge's bus starts the survey's invite campaign (email) to users
interested in its category, once per survey."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.survey_trigger import handle_publication, invite_ports
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return handle_publication(invite_ports(), event, datetime.now(UTC))
