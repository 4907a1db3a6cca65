"""EventBridge schedule (every 15 minutes): remind, once, the users who started a survey SurveyReminderHours ago
and have not completed it, under the campaign rules; the minute sweep sends what it claims."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.notifications.survey_reminders import reminder_ports, send_reminders
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return send_reminders(reminder_ports(), context.get_remaining_time_in_millis)
