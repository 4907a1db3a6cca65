"""What the anchoring table holds about a user, as an export shows it (loaded only by the export)."""

from datetime import datetime

from pydantic import Field

from nudge.anchoring.offer_log import Impression
from nudge.anchoring.tier_selection_model import TierSelection
from nudge.models import NudgeModel
from nudge.users.personal_data import ExportSection


class ImpressionRecord(NudgeModel):
    latest: Impression = Field(description="The latest showing of the tiers for this booking")
    first_shown_at: datetime
    showings: int


class AnchoringExport(ExportSection):
    impressions: list[ImpressionRecord] = Field(description="One per booking the tiers were shown for")
    tier_selections: list[TierSelection]
