"""What the recommendation table holds about a user, as an export shows it (loaded only by the export)."""

from pydantic import Field

from nudge.defaults.recommendation_log import RecommendationRecord
from nudge.users.personal_data import ExportSection


class RecommendationExport(ExportSection):
    recommendations: list[RecommendationRecord] = Field(description="Oldest first, each with its selection")
