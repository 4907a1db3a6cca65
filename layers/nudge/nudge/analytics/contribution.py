"""What one response adds to its survey's aggregates: counters per cell, and its keywords.

Only a response given with analytics-sharing consent contributes (None otherwise). Each respondent
responds once, so a respondent counter is a count of distinct users. A cell is (dimension, value):
the survey's total, its age range, gender, country, country and state, channel and day (UTC).
Every cell counts respondents, the sum and count of the answers to the survey's first NPS question,
and the sentiment of the text answers (a tally per label, and the compound score in thousandths, so
every counter is a whole number a DynamoDB ADD keeps exact). The total also holds the time-to-complete
sketch. No cell names a user, and none is finer than a state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from nudge.analytics import sketch

if TYPE_CHECKING:
    from nudge.catalog.catalog_models import Survey
    from nudge.catalog.response_models import SurveyResponse

Cell = tuple[str, str]
TOTAL: Cell = ("total", "")


class Contribution(NamedTuple):
    """Counters to add: per cell, and respondents per keyword. Contributions add up counter by counter."""

    cells: dict[Cell, dict[str, int]]
    keywords: dict[str, int]


def cells_of(response: SurveyResponse) -> list[Cell]:
    snapshot = response.demographics
    cells = [TOTAL, ("channel", response.channel), ("day", response.responded_at.date().isoformat())]
    if snapshot is None:
        return cells
    cells += [("age", snapshot.age_range)] if snapshot.age_range else []
    cells += [("gender", snapshot.gender)] if snapshot.gender else []
    if snapshot.country:
        cells.append(("country", snapshot.country))
        cells += [("state", f"{snapshot.country}/{snapshot.state}")] if snapshot.state else []
    return cells


def _nps(survey: Survey, response: SurveyResponse) -> int | None:
    first = next((question.question_id for question in survey.questions if question.type == "nps"), None)
    value = next((answer.value for answer in response.answers if answer.question_id == first), None)
    return int(value) if value is not None else None


def _counters(survey: Survey, response: SurveyResponse, texts: list[str]) -> dict[str, int]:
    counters = {"respondents": 1}
    nps = _nps(survey, response)
    if nps is not None:
        counters |= {"nps_sum": nps, "nps_n": 1}
    if texts:
        from nudge.analytics.text_signals import label, sentiment

        score = sentiment(texts)
        counters |= {label(score): 1, "sentiment_n": 1, "sentiment_milli": round(score * 1000)}
    return counters


def _time_counters(response: SurveyResponse) -> dict[str, int]:
    if response.started_at is None:
        return {}
    seconds = max((response.responded_at - response.started_at).total_seconds(), 0.0)
    return {"ttc_n": 1, "ttc_sum": round(seconds), f"ttc_{sketch.bucket(seconds)}": 1}


def contribution(survey: Survey, response: SurveyResponse) -> Contribution | None:
    """The counters the response adds, or None when its respondent did not share analytics."""
    if not response.analytics_sharing:
        return None
    texts = [str(answer.value) for answer in response.answers if answer.type == "text"]
    counters = _counters(survey, response, texts)
    cells = {cell: dict(counters) for cell in cells_of(response)}
    cells[TOTAL] |= _time_counters(response)
    if not texts:
        return Contribution(cells, {})
    from nudge.analytics.text_signals import keywords

    return Contribution(cells, dict.fromkeys(keywords(texts), 1))
