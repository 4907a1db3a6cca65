"""A survey's aggregates as a brand may see them (disclosure.py decides which cells show).

Every breakdown (age, gender, country, the states of a shown country, channel, the sentiment labels
of an age range) follows the subtraction rule against its parent's count. An average is shown only
when at least the minimum of respondents stand behind it; a keyword only when that many used it; a
trend point only when that many wrote text that day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nudge.analytics import sketch
from nudge.analytics.analytics_models import (
    AgeCell,
    ChannelCell,
    Demographics,
    Engagement,
    Funnel,
    GenderCell,
    Insights,
    Keyword,
    LocationCell,
    Sentiment,
    SurveyAnalytics,
    TimeToComplete,
    TrendPoint,
)
from nudge.analytics.contribution import TOTAL
from nudge.analytics.disclosure import disclosed, shown_count

if TYPE_CHECKING:
    from nudge.analytics.analytics_table import Aggregates

Counters = dict[str, int]
LABELS = ("positive", "neutral", "negative")


def _respondents(counters: Counters) -> int:
    return counters.get("respondents", 0)


def _shown(cells: dict[str, Counters], total: int, minimum: int) -> list[tuple[str, Counters]]:
    counts = {value: _respondents(counters) for value, counters in cells.items()}
    return [(value, cells[value]) for value in sorted(disclosed(counts, total, minimum))]


def _avg_nps(counters: Counters, minimum: int) -> float | None:
    answered = counters.get("nps_n", 0)
    return round(counters.get("nps_sum", 0) / answered, 2) if answered >= minimum else None


def _sentiment(counters: Counters, minimum: int) -> Sentiment:
    tallies = {label: counters.get(label, 0) for label in LABELS}
    shown = disclosed(tallies, _respondents(counters), minimum)
    return Sentiment(**{label: tallies[label] for label in shown})


def _dimension(aggregates: Aggregates, dimension: str) -> dict[str, Counters]:
    return {value: counters for (name, value), counters in aggregates.cells.items() if name == dimension}


def _locations(aggregates: Aggregates, total: int, minimum: int) -> list[LocationCell]:
    states = _dimension(aggregates, "state")
    rows: list[LocationCell] = []
    for country, counters in _shown(_dimension(aggregates, "country"), total, minimum):
        count = _respondents(counters)
        rows.append(LocationCell(country=country, response_count=count, avg_nps=_avg_nps(counters, minimum)))
        within = {value.partition("/")[2]: c for value, c in states.items() if value.partition("/")[0] == country}
        rows += [
            LocationCell(country=country, state=state, response_count=_respondents(c), avg_nps=_avg_nps(c, minimum))
            for state, c in _shown(within, count, minimum)
        ]
    return rows


def demographics(aggregates: Aggregates, total: int, minimum: int) -> Demographics:
    ages = _shown(_dimension(aggregates, "age"), total, minimum)
    genders = _shown(_dimension(aggregates, "gender"), total, minimum)
    return Demographics(
        by_age=[
            AgeCell(
                age_range=age,
                response_count=_respondents(c),
                avg_nps=_avg_nps(c, minimum),
                sentiment=_sentiment(c, minimum),
            )
            for age, c in ages
        ],
        by_location=_locations(aggregates, total, minimum),
        by_gender=[
            GenderCell(gender=gender, response_count=_respondents(c), avg_nps=_avg_nps(c, minimum))
            for gender, c in genders
        ],
    )


def time_to_complete(counters: Counters, minimum: int) -> TimeToComplete:
    timed = counters.get("ttc_n", 0)
    if timed < minimum:
        return TimeToComplete()
    buckets = {int(name[4:]): n for name, n in counters.items() if name.startswith("ttc_") and name[4:].isdigit()}
    median = sketch.quantile(buckets, 0.5)
    return TimeToComplete(
        avg=round(counters.get("ttc_sum", 0) / timed, 1), median=round(median, 1) if median is not None else None
    )


def engagement(aggregates: Aggregates, total: int, minimum: int) -> Engagement:
    started = aggregates.funnel.get("survey_started", 0)
    channels = _shown(_dimension(aggregates, "channel"), total, minimum)
    return Engagement(
        time_to_complete=time_to_complete(aggregates.cells.get(TOTAL, {}), minimum),
        dropoff_rate=round(max(0.0, 1 - total / started), 3) if started >= minimum and total >= minimum else None,
        completion_by_channel=[ChannelCell(channel=channel, response_count=_respondents(c)) for channel, c in channels],
    )


def funnel(aggregates: Aggregates, total: int, minimum: int) -> Funnel:
    steps = {step: shown_count(aggregates.funnel.get(step, 0), minimum) for step in Funnel.model_fields}
    return Funnel(**steps | {"survey_completed": shown_count(total, minimum)})


def sentiment_trend(aggregates: Aggregates, minimum: int) -> list[TrendPoint]:
    days = sorted(_dimension(aggregates, "day").items())
    return [
        TrendPoint(date=day, score=round(c.get("sentiment_milli", 0) / c["sentiment_n"] / 1000, 3))
        for day, c in days
        if c.get("sentiment_n", 0) >= minimum
    ]


def report(
    survey_id: str, brand_id: str, aggregates: Aggregates, keywords: list[tuple[str, int]], minimum: int
) -> SurveyAnalytics:
    total = _respondents(aggregates.cells.get(TOTAL, {}))
    return SurveyAnalytics(
        survey_id=survey_id,
        brand_id=brand_id,
        min_segment_size=minimum,
        response_count=shown_count(total, minimum),
        demographics=demographics(aggregates, total, minimum),
        engagement=engagement(aggregates, total, minimum),
        funnel=funnel(aggregates, total, minimum),
        insights=Insights(
            top_keywords=[Keyword(word=w, frequency=n) for w, n in keywords if n >= minimum],
            sentiment_trend=sentiment_trend(aggregates, minimum),
        ),
    )
