"""What was recommended to whom, and what they chose: the records behind the follow-rate analytics."""

from datetime import date, datetime
from typing import Literal

from nudge.defaults.archetype_names import ArchetypeSource, ArchetypeType
from nudge.defaults.options import OptionType
from nudge.defaults.transaction_option import TransactionOption
from nudge.defaults.urgency import Urgency, UrgencyLevel
from nudge.models import NudgeModel
from nudge.money import Amount

RequestType = Literal["date_change", "extension"]


class RecommendedArchetype(NudgeModel):
    type: ArchetypeType
    confidence: float
    source: ArchetypeSource
    default_price_multiplier: Amount
    reasons: list[str]


class Selection(NudgeModel):
    selected_option: OptionType
    followed_recommendation: bool
    selected_at: datetime
    selected_by: str


class RecommendationRecord(NudgeModel):
    """One logged recommendation, exactly as it was returned, plus the user's later selection."""

    recommendation_id: str
    user_id: str
    created_at: datetime
    listing_id: str
    request_type: RequestType
    currency: str
    nightly_price: Amount
    nights: int
    primary_recommendation: OptionType
    rule: str
    options: list[TransactionOption]
    archetype: RecommendedArchetype
    urgency: Urgency
    selection: Selection | None = None

    @property
    def day(self) -> date:
        return self.created_at.date()


def counter_groups(archetype: ArchetypeType, urgency: UrgencyLevel) -> list[str]:
    """The groups a recommendation counts in: everything, its archetype, its urgency level."""
    return ["all", f"archetype__{archetype}", f"urgency__{urgency}"]


class AnonymousRecommendation(NudgeModel):
    """What an old recommendation keeps once anonymized (retention): no user, listing, exact time or amount,
    only what the follow-rate analytics group by."""

    day: date
    request_type: RequestType
    archetype: ArchetypeType
    urgency: UrgencyLevel
    primary_recommendation: OptionType
    rule: str
    selected_option: OptionType | None
    followed_recommendation: bool | None


def anonymous(record: RecommendationRecord) -> AnonymousRecommendation:
    selection = record.selection
    return AnonymousRecommendation(
        day=record.day,
        request_type=record.request_type,
        archetype=record.archetype.type,
        urgency=record.urgency.level,
        primary_recommendation=record.primary_recommendation,
        rule=record.rule,
        selected_option=selection.selected_option if selection else None,
        followed_recommendation=selection.followed_recommendation if selection else None,
    )
