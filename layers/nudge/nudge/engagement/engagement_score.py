"""The engagement score and the interest vector, kept incrementally: adding a batch touches only the
user's one aggregates item, and reading either is bounded (30 days, the category taxonomy), never a
scan of history.

Engagement score, exactly the design's formula: over the last 30 days (today and the 29 days
before, UTC), survey_complete 10, survey_start 5, notification_click 3, product_view 2, and 1 per
active day (a day with any tracked engagement event); times exp(-days since last active / 30);
capped at 100. The aggregates keep one points total per UTC day for the 30 days before the latest
ingestion, so the window sum is exact and older days fall out as time passes.

Interest vector: per category, each product_view, product_bookmark and survey_response naming it
weighs 2^(-age / 7 days), and the vector is normalized so the top category is 1. The design's
weight 1/(1 + age/7) cannot be kept incrementally: every stored weight would change by a different
factor as time passes. An exponential weight changes them all by the same factor, so the stored
sums are rescaled once per batch and the normalization cancels the rest. Same half-weight at 7 days
(0.5); by age in days, the design's weight vs ours: 1: 0.875 vs 0.906; 3: 0.700 vs 0.743;
14: 0.333 vs 0.250; 30: 0.189 vs 0.051; 60: 0.104 vs 0.003. Ours forgets old interests faster: a
category viewed 10 times two months ago ranks below one viewed once this week (design: above).

Excluded products: the ids of the products the user bookmarked or completed or responded to a survey about,
most recent last, at most 200 (older ones fall out), so product recommendations do not repeat them.

Started surveys: the ids of the surveys the user started, most recently started last, at most 200 (older ones
fall out). Ingestion counts a survey in its brand's funnel (`survey_started`) only when its start adds it
here, so a user counts once per survey however many starts they send; the memory is the user's own data,
never the analytics table's.

Activity level, from the engagement score: high at 50 or more (for example a completed survey a
week with its start and active day, 64 over four weeks), medium from 20 (a few product views a
week), low below 20.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from nudge.models import NudgeModel

if TYPE_CHECKING:
    # Only ingestion has events; the readers of a score (profile routes) never load the event models.
    from nudge.engagement.engagement_events import EngagementEvent

SCORE_WEIGHTS = {"survey_complete": 10, "survey_start": 5, "notification_click": 3, "product_view": 2}
ACTIVE_DAY_POINTS = 1
SCORE_WINDOW_DAYS = 30
INACTIVITY_DECAY_DAYS = 30
MAX_SCORE = 100.0
INTEREST_EVENTS = frozenset({"product_view", "product_bookmark", "survey_response"})
INTEREST_HALF_LIFE = timedelta(days=7)
# A category whose weight fell this far below the top one is forgotten (DynamoDB numbers stop at 1e-130).
FORGOTTEN_BELOW = 1e-9
SHOWN_FROM = 0.01
EXCLUDING_EVENTS = frozenset({"product_bookmark", "survey_complete", "survey_response"})
MAX_EXCLUDED_PRODUCTS = 200
MAX_STARTED_SURVEYS = 200
HIGH_ACTIVITY_FROM = 50.0
MEDIUM_ACTIVITY_FROM = 20.0

ActivityLevel = Literal["low", "medium", "high"]


class EngagementAggregates(NudgeModel):
    """What is stored per user; `version` is the optimistic lock."""

    version: int = 0
    daily_points: dict[str, int] = Field(default_factory=dict, description="UTC day (YYYY-MM-DD) -> points")
    total_surveys: int = Field(default=0, description="survey_complete events ever tracked")
    total_product_views: int = 0
    interest: dict[str, float] = Field(default_factory=dict, description="Category -> weight as of interest_as_of")
    interest_as_of: datetime | None = None
    click_hours: dict[str, int] = Field(default_factory=dict, description="UTC hour (00-23) -> notification clicks")
    last_active_at: datetime | None = None
    updated_at: datetime | None = None
    excluded_product_ids: list[str] = Field(
        default_factory=list, description="Products bookmarked or surveyed, most recent last (at most 200)"
    )
    started_survey_ids: list[str] = Field(
        default_factory=list, description="Surveys started, most recently started last (at most 200)"
    )


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _in_window(day: date, today: date) -> bool:
    return 0 <= (today - day).days < SCORE_WINDOW_DAYS


def apply_engagement(
    current: EngagementAggregates, events: Sequence[EngagementEvent], now: datetime
) -> EngagementAggregates:
    """The aggregates after adding `events` (already de-duplicated and consented) to `current`."""
    data = current.model_copy(deep=True)
    today = _day(now)
    for event in events:
        _add_points(data, event, today)
        if event.type in INTEREST_EVENTS and event.category is not None:
            _add_interest(data, event.category, event.occurred_at)
        if event.type == "notification_click":
            hour = f"{event.occurred_at.astimezone(UTC).hour:02d}"
            data.click_hours[hour] = data.click_hours.get(hour, 0) + 1
        if event.type in EXCLUDING_EVENTS and event.product_id is not None:
            _exclude(data, event.product_id)
        if event.type == "survey_start" and event.survey_id is not None:
            _started(data, event.survey_id)
        data.total_surveys += event.type == "survey_complete"
        data.total_product_views += event.type == "product_view"
        data.last_active_at = max(filter(None, (data.last_active_at, event.occurred_at)))
    data.daily_points = {
        day: points for day, points in data.daily_points.items() if _in_window(date.fromisoformat(day), today)
    }
    data.version = current.version + 1
    data.updated_at = now
    return data


def _exclude(data: EngagementAggregates, product_id: str) -> None:
    kept = [known for known in data.excluded_product_ids if known != product_id]
    data.excluded_product_ids = [*kept, product_id][-MAX_EXCLUDED_PRODUCTS:]


def _started(data: EngagementAggregates, survey_id: str) -> None:
    kept = [known for known in data.started_survey_ids if known != survey_id]
    data.started_survey_ids = [*kept, survey_id][-MAX_STARTED_SURVEYS:]


def newly_started(before: EngagementAggregates, after: EngagementAggregates) -> list[str]:
    """The surveys `after` remembers as started and `before` did not: the user's first starts of them."""
    known = set(before.started_survey_ids)
    return [survey_id for survey_id in after.started_survey_ids if survey_id not in known]


def _add_points(data: EngagementAggregates, event: EngagementEvent, today: date) -> None:
    day = _day(event.occurred_at)
    if not _in_window(day, today):
        return
    key = day.isoformat()
    first_of_day = key not in data.daily_points
    data.daily_points[key] = (
        data.daily_points.get(key, 0) + SCORE_WEIGHTS.get(event.type, 0) + (ACTIVE_DAY_POINTS if first_of_day else 0)
    )


def _decay(age: timedelta) -> float:
    return float(2 ** -(age / INTEREST_HALF_LIFE))


def _add_interest(data: EngagementAggregates, category: str, at: datetime) -> None:
    as_of = data.interest_as_of
    if as_of is None or at > as_of:
        factor = _decay(at - as_of) if as_of else 1.0
        data.interest = {name: weight * factor for name, weight in data.interest.items()}
        data.interest_as_of = as_of = at
    data.interest[category] = data.interest.get(category, 0.0) + _decay(as_of - at)
    top = max(data.interest.values())
    data.interest = {name: weight for name, weight in data.interest.items() if weight >= top * FORGOTTEN_BELOW}


def engagement_score(data: EngagementAggregates, now: datetime) -> float:
    if data.last_active_at is None:
        return 0.0
    today = _day(now)
    points = sum(value for day, value in data.daily_points.items() if _in_window(date.fromisoformat(day), today))
    days_inactive = max((now - data.last_active_at).total_seconds(), 0.0) / 86400
    return round(min(MAX_SCORE, points * math.exp(-days_inactive / INACTIVITY_DECAY_DAYS)), 2)


def activity_level(score: float) -> ActivityLevel:
    if score >= HIGH_ACTIVITY_FROM:
        return "high"
    return "medium" if score >= MEDIUM_ACTIVITY_FROM else "low"


def interest_vector(data: EngagementAggregates) -> list[tuple[str, float]]:
    """(category, 0..1) with the top category at 1, most preferred first; negligible ones left out."""
    if not data.interest:
        return []
    top = max(data.interest.values())
    normalized = ((name, round(weight / top, 4)) for name, weight in data.interest.items())
    return sorted((item for item in normalized if item[1] >= SHOWN_FROM), key=lambda item: (-item[1], item[0]))
