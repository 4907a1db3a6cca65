"""What the delivery table holds about a user, as an export shows it (loaded only by the export)."""

from pydantic import Field

from nudge.notifications.delivery_table import DeliveryRecord, SurveyReminder
from nudge.users.personal_data import ExportSection


class DeliveryExport(ExportSection):
    deliveries: list[DeliveryRecord] = Field(description="Every delivery of a campaign to the user")
    survey_reminders: list[SurveyReminder] = Field(
        default_factory=list, description="Surveys the user started, with what their reminder came to"
    )
