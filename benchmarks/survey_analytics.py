"""Brands' survey analytics: the read's cost with 1,000 and 100,000 responses, and a response's write cost.

The aggregates are the state the read depends on, so each survey's are written directly: the
contributions of a panel of distinct respondents (contribution.py, sentiment and keywords included),
multiplied up to the response count and written with the repository's own ADD updates, as that many
responses would have left them (one item per dimension value and day, 30 days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from nudge.analytics.analytics_table import survey_analytics_table
from nudge.analytics.contribution import Contribution, contribution
from nudge.catalog.catalog_models import SurveyFields
from nudge.catalog.response_models import DemographicSnapshot, RecordedAnswer, SurveyResponse

BRAND = "bench-brand"
PANEL = 300
DAYS = 30
AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
GENDERS = ["female", "male", "non-binary"]
PLACES = [("US", "CA"), ("US", "NY"), ("US", "TX"), ("IN", "KA"), ("IN", "MH"), ("GB", None), ("DE", "BE")]
CHANNELS = ["email", "app", "notification", "sms", "whatsapp"]
TEXTS = [
    "Setup was quick and the dashboard is clear",
    "Support answered fast and solved my problem",
    "The dashboard is slow when reports get big",
    "Pricing is too high for small teams",
    "Reports are confusing and export keeps failing",
    "Reliable sync across all my devices, love it",
]
QUESTIONS: list[dict[str, object]] = [
    {"question_id": "nps", "type": "nps", "text": "Recommend us?"},
    {"question_id": "why", "type": "text", "text": "Why?", "required": False},
]


def _respondent(survey_id: str, index: int, now: datetime) -> SurveyResponse:
    country, state = PLACES[index % len(PLACES)]
    answered = now - timedelta(days=index % DAYS)
    return SurveyResponse(
        survey_id=survey_id,
        user_id=f"bench-{index}",
        answers=[
            RecordedAnswer(question_id="nps", value=index % 11, type="nps"),
            RecordedAnswer(question_id="why", value=TEXTS[index % len(TEXTS)], type="text"),
        ],
        channel=CHANNELS[index % len(CHANNELS)],
        started_at=answered - timedelta(seconds=40 + index % 400),
        responded_at=answered,
        analytics_sharing=True,
        demographics=DemographicSnapshot(
            age_range=AGES[index % len(AGES)], gender=GENDERS[index % 3], country=country, state=state
        ),
    )


def _scaled(parts: Iterable[tuple[Contribution, int]]) -> Contribution:
    """The sum of the contributions, each counted `times` times (contributions add counter by counter)."""
    cells: dict[Any, dict[str, int]] = {}
    keywords: dict[str, int] = {}
    for part, times in parts:
        for cell, counters in part.cells.items():
            merged = cells.setdefault(cell, {})
            for name, amount in counters.items():
                merged[name] = merged.get(name, 0) + amount * times
        for word, respondents in part.keywords.items():
            keywords[word] = keywords.get(word, 0) + respondents * times
    return Contribution(cells, keywords)


def survey_with_responses(count: int, now: datetime) -> str:
    """A published survey of BRAND whose aggregates are those of `count` consenting responses."""
    from nudge import clients
    from nudge.catalog.catalog_table import catalog_table
    from nudge.catalog.surveys import BrandSurveyPath, put_survey

    survey_id = f"bench-analytics-{count}"
    fields = SurveyFields.model_validate(
        {"title": "Bench", "category": "TECH_SAAS", "questions": QUESTIONS, "status": "draft"}
    )
    stored, _ = catalog_table().survey_with_product(survey_id, None)
    if stored is None:
        path = BrandSurveyPath(brand_id=BRAND, survey_id=survey_id)
        put_survey(catalog_table(), _Silent(), path, fields, now, frozenset({"nudge.example"}))
    survey = catalog_table().survey_with_product(survey_id, None)[0]
    assert survey is not None
    parts = []
    for index in range(PANEL):
        counted = contribution(survey.survey, _respondent(survey_id, index, now))
        assert counted is not None
        parts.append((counted, count // PANEL + (1 if index < count % PANEL else 0)))
    table, client = survey_analytics_table(), clients.dynamodb()
    for update in table.updates(survey_id, _scaled(parts)):
        client.update_item(**update["Update"])
    return survey_id


class _Silent:
    """A draft announces nothing; the benchmark's surveys need no bus."""

    def announce(self, detail_type: str, detail: dict[str, Any]) -> None:
        raise AssertionError("a draft survey is never announced")


def analytics_event(sample: dict[str, Any], survey_id: str) -> dict[str, Any]:
    event: dict[str, Any] = dict(sample)
    event["pathParameters"] = {"brand_id": BRAND, "survey_id": survey_id}
    event["requestContext"] = dict(sample["requestContext"])
    claims = {**sample["requestContext"]["authorizer"]["jwt"]["claims"], "custom:brand_id": BRAND}
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    path = f"/v1/brands/{BRAND}/surveys/{survey_id}/analytics"
    event["rawPath"] = path
    event["requestContext"]["http"] = {**sample["requestContext"]["http"], "path": path}
    return event


def now() -> datetime:
    return datetime.now(UTC)
