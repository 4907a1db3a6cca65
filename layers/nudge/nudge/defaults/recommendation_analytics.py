"""Follow rates of recommendations over a date range: overall, by archetype, by urgency level.

Counts are by the day a recommendation was made (UTC). follow_rate = followed / selected: of the
recommendations whose user made a choice, the share that chose the recommended option.
selection_rate = selected / recommended.
"""

from datetime import date
from typing import Self

from pydantic import Field, model_validator

from nudge.defaults.recommendation_table import STAGES, RecommendationTable
from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.users.actor import Actor

MAX_RANGE_DAYS = 366


class AnalyticsQuery(NudgeModel):
    start: date = Field(description="First day, inclusive (UTC)")
    end: date = Field(description="Last day, inclusive (UTC)")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        # InvalidInput rather than ValueError, so the 422 names the field.
        if self.end < self.start:
            raise InvalidInput("must not be before start", field="end")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:  # both days count: a leap year is 366
            raise InvalidInput(f"the range may span at most {MAX_RANGE_DAYS} days", field="end")
        return self


class FollowRate(NudgeModel):
    recommended: int
    selected: int
    followed: int
    selection_rate: float | None
    follow_rate: float | None


class RecommendationAnalytics(NudgeModel):
    start: date
    end: date
    overall: FollowRate
    by_archetype: dict[str, FollowRate]
    by_urgency: dict[str, FollowRate]


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _follow_rate(counters: dict[str, int], group: str) -> FollowRate:
    recommended, selected, followed = (counters.get(f"{stage}__{group}", 0) for stage in STAGES)
    return FollowRate(
        recommended=recommended,
        selected=selected,
        followed=followed,
        selection_rate=_rate(selected, recommended),
        follow_rate=_rate(followed, selected),
    )


def _groups(counters: dict[str, int], kind: str) -> dict[str, FollowRate]:
    names = sorted({name.split("__", 2)[2] for name in counters if name.split("__")[1:2] == [kind]})
    return {name: _follow_rate(counters, f"{kind}__{name}") for name in names}


def analytics_for_admin(table: RecommendationTable, actor: Actor, query: AnalyticsQuery) -> RecommendationAnalytics:
    actor.ensure_admin()
    counters = table.counters(query.start, query.end)
    return RecommendationAnalytics(
        start=query.start,
        end=query.end,
        overall=_follow_rate(counters, "all"),
        by_archetype=_groups(counters, "archetype"),
        by_urgency=_groups(counters, "urgency"),
    )
