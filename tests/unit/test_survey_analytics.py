"""Brands' survey analytics without AWS: the time sketch's error bound, sentiment and keywords, what a
response contributes (consent, no user id, bounded items) and the report's suppression."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from nudge.analytics import sketch
from nudge.analytics.analytics_table import Aggregates, SurveyAnalyticsTable
from nudge.analytics.contribution import TOTAL, Contribution, contribution
from nudge.analytics.report import report
from nudge.analytics.text_signals import MAX_KEYWORDS_PER_RESPONSE, keywords, label, sentiment
from nudge.catalog.catalog_models import Survey
from nudge.catalog.response_models import DemographicSnapshot, RecordedAnswer, SurveyResponse

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUESTIONS: list[dict[str, Any]] = [
    {"question_id": "nps", "type": "nps", "text": "Recommend us?"},
    {"question_id": "why", "type": "text", "text": "Why?", "required": False},
]
SURVEY = Survey(
    title="NPS", category="TECH_SAAS", questions=QUESTIONS, status="published", survey_id="s1", brand_id="acme",
    created_at=NOW, updated_at=NOW,
)  # fmt: skip


def response(
    user: str = "u1", nps: int | None = 9, text: str | None = None, sharing: bool = True, **snapshot: str
) -> SurveyResponse:
    answers = [RecordedAnswer(question_id="nps", value=nps, type="nps")] if nps is not None else []
    answers += [RecordedAnswer(question_id="why", value=text, type="text")] if text else []
    demographics = {"age_range": "25-34", "country": "US", "state": "CA", "gender": "female"} | snapshot
    return SurveyResponse(
        survey_id="s1",
        user_id=user,
        answers=answers,
        channel="email",
        started_at=NOW - timedelta(seconds=95),
        responded_at=NOW,
        analytics_sharing=sharing,
        demographics=DemographicSnapshot(**demographics) if sharing else None,
    )


# ---------- the time-to-complete sketch ----------


def test_every_quantile_is_within_the_relative_accuracy() -> None:
    generator = random.Random(7)  # noqa: S311 - reproducible test durations, not secrets
    durations = sorted(generator.lognormvariate(5, 1) for _ in range(5001))
    buckets: dict[int, int] = {}
    for seconds in durations:
        buckets[sketch.bucket(seconds)] = buckets.get(sketch.bucket(seconds), 0) + 1
    for q in (0.1, 0.5, 0.9, 0.99):
        exact = durations[int(q * (len(durations) - 1))]
        estimate = sketch.quantile(buckets, q)
        assert estimate is not None
        assert abs(estimate - exact) <= sketch.RELATIVE_ACCURACY * exact + 1e-9


def test_sketches_merge_by_adding_counts() -> None:
    first = {sketch.bucket(s): 1 for s in (30, 60)}
    second = {sketch.bucket(s): 1 for s in (120, 240, 480)}
    merged = {i: first.get(i, 0) + second.get(i, 0) for i in first | second}
    median = sketch.quantile(merged, 0.5)
    assert median is not None
    assert abs(median - 120) <= 0.02 * 120
    assert sketch.quantile({}, 0.5) is None
    assert max(sketch.bucket(s) for s in (0.2, 1, 86400)) < 300
    assert sketch.bucket(0.2) == 0


# ---------- sentiment and keywords ----------


def test_sentiment_follows_vader_and_its_thresholds() -> None:
    assert label(sentiment(["I love it, setup was great and support is excellent"])) == "positive"
    assert label(sentiment(["Terrible. The app crashes and billing is awful"])) == "negative"
    assert label(sentiment(["It is a dashboard"])) == "neutral"
    assert label(0.05) == "positive"
    assert label(-0.05) == "negative"
    assert label(0.049) == "neutral"


def test_keywords_drop_stop_words_count_once_and_are_bounded() -> None:
    # "great" is on the list (sentiment speaks for it); a word counts once per response.
    assert keywords(["The battery is great, the battery lasts", "and the SCREEN"]) == ["battery", "lasts", "screen"]
    many = " ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(60))
    assert len(keywords([many])) == MAX_KEYWORDS_PER_RESPONSE


# ---------- a response's contribution ----------


def test_only_a_sharing_response_contributes() -> None:
    assert contribution(SURVEY, response(sharing=False, text="great")) is None


def test_a_response_adds_to_each_of_its_cells_and_names_no_user() -> None:
    counted = contribution(SURVEY, response(user="alice-42", text="Great battery, awful screen"))
    assert counted is not None
    assert sorted(counted.cells) == [
        ("age", "25-34"), ("channel", "email"), ("country", "US"), ("day", "2026-12-01"),
        ("gender", "female"), ("state", "US/CA"), TOTAL,
    ]  # fmt: skip
    age = counted.cells[("age", "25-34")]
    assert age["respondents"] == 1
    assert age["nps_sum"] == 9
    assert age["nps_n"] == 1
    assert age["sentiment_n"] == 1
    total = counted.cells[TOTAL]
    assert total["ttc_n"] == 1
    assert total["ttc_sum"] == 95
    assert total[f"ttc_{sketch.bucket(95)}"] == 1
    assert counted.keywords == {"battery": 1, "awful": 1, "screen": 1}
    assert "alice-42" not in repr(counted)


def test_a_response_without_text_or_demographics_touches_only_its_total_channel_and_day() -> None:
    counted = contribution(SURVEY, response(nps=None, age_range="", country="", gender=""))
    assert counted is not None
    assert sorted(counted.cells) == [("channel", "email"), ("day", "2026-12-01"), TOTAL]
    assert counted.keywords == {}
    assert "nps_n" not in counted.cells[TOTAL]
    assert "positive" not in counted.cells[TOTAL]


# ---------- the report ----------


def aggregate(responses: list[SurveyResponse], funnel: dict[str, int] | None = None) -> Aggregates:
    cells: dict[Any, dict[str, int]] = {}
    for item in responses:
        counted = contribution(SURVEY, item)
        assert isinstance(counted, Contribution)
        for cell, counters in counted.cells.items():
            merged = cells.setdefault(cell, {})
            for name, amount in counters.items():
                merged[name] = merged.get(name, 0) + amount
    return Aggregates(cells, funnel or {})


def crowd() -> list[SurveyResponse]:
    happy = [response(f"h{i}", 10, "Love the battery", age_range="25-34", gender="female") for i in range(12)]
    sad = [response(f"s{i}", 2, "Awful battery, terrible support", age_range="35-44", gender="male") for i in range(11)]
    few = [response(f"f{i}", 7, None, age_range="65+", country="FR", state="", gender="male") for i in range(3)]
    return happy + sad + few


def test_small_cells_are_hidden_and_the_remainder_never_falls_under_the_minimum() -> None:
    shown = report("s1", "acme", aggregate(crowd()), [("battery", 23), ("support", 11), ("love", 9)], 10)
    assert shown.response_count == 26
    # 65+ (3) is hidden; 26 - 12 - 11 = 3 would reveal it, so the smaller shown cell (35-44) is hidden too.
    assert [(cell.age_range, cell.response_count) for cell in shown.demographics.by_age] == [("25-34", 12)]
    assert shown.demographics.by_age[0].avg_nps == 10.0
    assert shown.demographics.by_age[0].sentiment.model_dump() == {"positive": 12, "neutral": None, "negative": None}
    # Male 14, female 12: both shown, the remainder is 0. France (3) hidden, so 23 US: US - CA = 0.
    assert [(c.gender, c.response_count) for c in shown.demographics.by_gender] == [("female", 12), ("male", 14)]
    assert [(c.country, c.state, c.response_count) for c in shown.demographics.by_location] == []
    assert [(k.word, k.frequency) for k in shown.insights.top_keywords] == [("battery", 23), ("support", 11)]


def test_location_shows_countries_and_states_under_the_same_rule() -> None:
    crowd_abroad = crowd() + [response(f"d{i}", 8, None, country="DE", state="BE") for i in range(10)]
    shown = report("s1", "acme", aggregate(crowd_abroad), [], 10)
    rows = [(c.country, c.state, c.response_count) for c in shown.demographics.by_location]
    # 36 = US 23 + DE 10 + FR 3: FR hidden, 3 left, so DE (smaller) hidden too.
    assert rows == [("US", None, 23), ("US", "CA", 23)]


def test_engagement_funnel_and_trend() -> None:
    shown = report("s1", "acme", aggregate(crowd(), {"survey_started": 40, "notification_sent": 3}), [], 10)
    assert shown.engagement.time_to_complete.avg == 95.0
    median = shown.engagement.time_to_complete.median
    assert median is not None
    assert abs(median - 95) <= 0.02 * 95
    assert shown.engagement.dropoff_rate == 0.35
    assert [(c.channel, c.response_count) for c in shown.engagement.completion_by_channel] == [("email", 26)]
    assert shown.funnel.model_dump() == {
        "notification_sent": None, "notification_opened": 0, "survey_started": 40, "survey_completed": 26,
    }  # fmt: skip
    [point] = shown.insights.sentiment_trend
    assert point.date == "2026-12-01"
    assert -1 < point.score < 1


def test_under_the_minimum_nothing_is_shown() -> None:
    shown = report("s1", "acme", aggregate(crowd()[:9]), [("battery", 9)], 10)
    assert shown.response_count is None
    assert shown.demographics.by_age == []
    assert shown.insights.top_keywords == []
    assert shown.engagement.time_to_complete.avg is None
    assert shown.insights.sentiment_trend == []


# ---------- the response's transaction ----------


class ConflictingClient:
    """A DynamoDB client whose transactions are cancelled by the given codes, one list per call, then succeed."""

    def __init__(self, *cancellations: list[str]) -> None:
        self.cancellations = list(cancellations)
        self.transactions = 0

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.transactions += 1
        if not self.cancellations:
            return {}
        codes = self.cancellations.pop(0)
        error: Any = {"Error": {"Code": "TransactionCanceledException"}}
        error["CancellationReasons"] = [{"Code": code} for code in codes]
        raise ClientError(error, "TransactWriteItems")


def _add(client: ConflictingClient) -> bool:
    from nudge.catalog.response_table import SurveyResponseTable

    counted = contribution(SURVEY, response(text="Love the battery"))
    assert counted is not None
    updates = SurveyAnalyticsTable("analytics", client).updates("s1", counted)  # type: ignore[arg-type]
    return SurveyResponseTable("responses", client).add(response(), updates)  # type: ignore[arg-type]


def test_a_response_whose_counters_another_response_was_writing_is_sent_again() -> None:
    client = ConflictingClient(["None", "TransactionConflict"], ["None", "None", "TransactionConflict"])
    assert _add(client) is True
    assert client.transactions == 3


def test_a_second_response_is_refused_and_endless_conflicts_raise() -> None:
    assert _add(ConflictingClient(["ConditionalCheckFailed", "None"])) is False
    endless = ConflictingClient(*[["None", "TransactionConflict"]] * 5)
    with pytest.raises(ClientError):
        _add(endless)
    assert endless.transactions == 4
