"""Engagement score and interest vector arithmetic: weights, window, decay, cap, normalization."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from nudge.engagement.behavioral_summary import behavioral_summary
from nudge.engagement.engagement_events import EngagementEvent
from nudge.engagement.engagement_score import (
    MAX_STARTED_SURVEYS,
    EngagementAggregates,
    activity_level,
    apply_engagement,
    engagement_score,
    interest_vector,
    newly_started,
)
from tests.builders import engaged, event

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def events(*payloads: dict[str, object]) -> list[EngagementEvent]:
    built = [event(payload) for payload in payloads]
    assert all(not item.type.startswith("date_change") for item in built)
    return built  # type: ignore[return-value]


def at(days_ago: float, hour: int = 12) -> datetime:
    return NOW.replace(hour=hour) - timedelta(days=days_ago)


def test_each_event_weighs_as_the_design_says_plus_one_per_active_day() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(
            engaged("c", "survey_complete", at(0)),
            engaged("s", "survey_start", at(0)),
            engaged("k", "notification_click", at(0)),
            engaged("v", "product_view", at(0)),
            engaged("b", "product_bookmark", at(0)),
            engaged("r", "survey_response", at(0)),
        ),
        NOW,
    )
    assert data.daily_points == {"2026-11-20": 10 + 5 + 3 + 2 + 1}
    assert engagement_score(data, NOW) == 21.0
    assert (data.total_surveys, data.total_product_views) == (1, 1)


def test_two_active_days_count_one_point_each() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(engaged("a", at=at(1)), engaged("b", at=at(1)), engaged("c", at=at(0))),
        NOW,
    )
    assert data.daily_points == {"2026-11-19": 2 + 2 + 1, "2026-11-20": 2 + 1}


def test_the_window_is_today_and_the_29_days_before() -> None:
    data = apply_engagement(EngagementAggregates(), events(engaged("in", at=at(29)), engaged("out", at=at(30))), NOW)
    assert data.daily_points == {"2026-10-22": 3}
    # A day later the remaining day leaves the window too, without any write.
    assert engagement_score(data, NOW + timedelta(days=1)) == 0.0


def test_inactivity_decays_the_score_exponentially_over_30_days() -> None:
    data = apply_engagement(EngagementAggregates(), events(engaged("a", "survey_complete", at(10))), NOW)
    assert engagement_score(data, NOW) == round(11 * math.exp(-10 / 30), 2)


def test_the_score_is_capped_at_100() -> None:
    many = [engaged(f"c{i}", "survey_complete", at(0)) for i in range(15)]
    data = apply_engagement(EngagementAggregates(), events(*many), NOW)
    assert engagement_score(data, NOW) == 100.0


@pytest.mark.parametrize(
    ("score", "level"), [(0, "low"), (19.99, "low"), (20, "medium"), (49.99, "medium"), (50, "high")]
)
def test_activity_levels_have_documented_thresholds(score: float, level: str) -> None:
    assert activity_level(score) == level


def test_the_interest_vector_is_normalized_to_the_top_category() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(
            engaged("a", at=at(0), category="TECH_SAAS"),
            engaged("b", at=at(0), category="TECH_SAAS"),
            engaged("c", "survey_response", at(0), category="FINANCE"),
            engaged("d", "survey_start", at(0), category="TRAVEL"),  # not an interest event
        ),
        NOW,
    )
    assert interest_vector(data) == [("TECH_SAAS", 1.0), ("FINANCE", 0.5)]


def test_an_interest_weighs_half_after_seven_days_in_any_order_of_arrival() -> None:
    old_first = apply_engagement(EngagementAggregates(), events(engaged("o", at=at(7), category="FINANCE")), NOW)
    old_first = apply_engagement(old_first, events(engaged("n", at=at(0), category="TECH_SAAS")), NOW)
    new_first = apply_engagement(EngagementAggregates(), events(engaged("n", at=at(0), category="TECH_SAAS")), NOW)
    new_first = apply_engagement(new_first, events(engaged("o", at=at(7), category="FINANCE")), NOW)

    assert interest_vector(old_first) == interest_vector(new_first) == [("TECH_SAAS", 1.0), ("FINANCE", 0.5)]


def test_long_forgotten_interests_are_dropped_not_underflowed() -> None:
    data = apply_engagement(EngagementAggregates(), events(engaged("o", at=at(399), category="FINANCE")), NOW)
    data = apply_engagement(data, events(engaged("n", at=at(0), category="TECH_SAAS")), NOW)
    assert data.interest == {"TECH_SAAS": 1.0}


def test_clicks_are_counted_by_utc_hour_for_send_time_choice() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(
            engaged("k1", "notification_click", at(1, hour=18)), engaged("k2", "notification_click", at(2, hour=18))
        ),
        NOW,
    )
    assert data.click_hours == {"18": 2}


def test_the_summary_shows_what_was_derived() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(engaged("c", "survey_complete", at(0), category="EDUCATION"), engaged("v", at=at(0), category="PETS")),
        NOW,
    )
    summary = behavioral_summary(data, NOW)
    assert summary.model_dump() == {
        "engagement_score": 13.0,
        "activity_level": "low",
        "last_active_at": at(0),
        "total_surveys": 1,
        "total_product_views": 1,
        "preferred_categories": [{"category": "PETS", "score": 1.0}],
    }


def test_a_user_without_engagement_scores_zero() -> None:
    assert behavioral_summary(EngagementAggregates(), NOW).engagement_score == 0.0


def test_started_surveys_are_remembered_once_most_recently_started_last() -> None:
    data = apply_engagement(
        EngagementAggregates(),
        events(
            engaged("a", "survey_start", at(2), survey_id="s1"),
            engaged("b", "survey_start", at(1), survey_id="s2"),
            engaged("c", "survey_start", at(0), survey_id="s1"),
            engaged("d", "survey_complete", at(0), survey_id="s3"),  # a completion is not a start
        ),
        NOW,
    )
    assert data.started_survey_ids == ["s2", "s1"]


def test_at_most_200_started_surveys_are_remembered_the_oldest_fall_out() -> None:
    starts = [engaged(f"e{index}", "survey_start", at(0), survey_id=f"s{index}") for index in range(201)]
    data = apply_engagement(EngagementAggregates(), events(*starts), NOW)
    assert len(data.started_survey_ids) == MAX_STARTED_SURVEYS == 200
    assert data.started_survey_ids[0] == "s1"
    assert data.started_survey_ids[-1] == "s200"


def test_only_surveys_a_batch_adds_to_the_started_ones_are_first_starts() -> None:
    before = EngagementAggregates(started_survey_ids=["s1", "s2"])
    after = apply_engagement(
        before,
        events(
            engaged("a", "survey_start", at(0), survey_id="s2"),
            engaged("b", "survey_start", at(0), survey_id="s3"),
            engaged("c", "survey_start", at(0), survey_id="s3"),
        ),
        NOW,
    )
    assert after.started_survey_ids == ["s1", "s2", "s3"]
    assert newly_started(before, after) == ["s3"]
    assert newly_started(after, after) == []
