"""GET /v1/analytics/tiers: per tier, impressions, selections, conversion rate, average savings, and
time from impression to selection, over a date range (UTC days: impressions by the day shown,
selections by the day chosen).

conversion_rate = selections / impressions. completed = selections later marked completed.
"""

from datetime import date

from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.defaults.recommendation_analytics import AnalyticsQuery
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class TierStats(NudgeModel):
    tier_id: str
    impressions: int
    selections: int
    completed: int
    conversion_rate: float | None
    average_savings_amount: float | None
    average_savings_percentage: float | None
    average_seconds_to_selection: float | None


class TierAnalytics(NudgeModel):
    start: date
    end: date
    tiers: list[TierStats]


def _ratio(numerator: float, denominator: int, places: int = 4) -> float | None:
    return round(numerator / denominator, places) if denominator else None


def _stats(tier_id: str, counters: dict[str, int]) -> TierStats:
    def count(name: str) -> int:
        return counters.get(f"{name}__{tier_id}", 0)

    selections = count("selections")
    return TierStats(
        tier_id=tier_id,
        impressions=count("impressions"),
        selections=selections,
        completed=count("conversions"),
        conversion_rate=_ratio(selections, count("impressions")),
        average_savings_amount=_ratio(count("savings_cents") / 100, selections, 2),
        average_savings_percentage=_ratio(count("savings_bp") / 100, selections, 2),
        average_seconds_to_selection=_ratio(count("time_ms") / 1000, count("timed"), 1),
    )


def tier_analytics_for_admin(anchoring: AnchoringTable, actor: Actor, query: AnalyticsQuery) -> TierAnalytics:
    actor.ensure_admin()
    counters = anchoring.tier_counters(query.start, query.end)
    tier_ids = sorted({name.split("__", 1)[1] for name in counters if "__" in name})
    return TierAnalytics(start=query.start, end=query.end, tiers=[_stats(tier_id, counters) for tier_id in tier_ids])
