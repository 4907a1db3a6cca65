"""The survey-response table's section of a user's export."""

from nudge.catalog.response_models import SurveyResponse
from nudge.users.personal_data import ExportSection


class SurveyResponseExport(ExportSection):
    responses: list[SurveyResponse]
