"""What a brand sees of a survey: aggregates of respondents who share analytics, never a response.

A figure standing for fewer respondents than the minimum segment size is null (a count or an
average) or left out (a cell of a breakdown, a keyword, a trend point); see disclosure.py.
"""

from pydantic import Field

from nudge.models import NudgeModel


class Sentiment(NudgeModel):
    positive: int | None = None
    neutral: int | None = None
    negative: int | None = None


class AgeCell(NudgeModel):
    age_range: str
    response_count: int
    avg_nps: float | None = Field(default=None, description="Null when fewer than the minimum answered NPS")
    sentiment: Sentiment = Field(description="Respondents by the sentiment of their text answers")


class LocationCell(NudgeModel):
    country: str
    state: str | None = Field(default=None, description="Absent on a country's own row; never a city")
    response_count: int
    avg_nps: float | None = None


class GenderCell(NudgeModel):
    gender: str
    response_count: int
    avg_nps: float | None = None


class Demographics(NudgeModel):
    by_age: list[AgeCell]
    by_location: list[LocationCell]
    by_gender: list[GenderCell]


class TimeToComplete(NudgeModel):
    avg: float | None = Field(default=None, description="Seconds, exact")
    median: float | None = Field(default=None, description="Seconds, within 2% (the sketch's relative accuracy)")


class ChannelCell(NudgeModel):
    channel: str
    response_count: int


class Engagement(NudgeModel):
    time_to_complete: TimeToComplete
    dropoff_rate: float | None = Field(default=None, description="1 - completed / started; null without starts")
    completion_by_channel: list[ChannelCell]


class Funnel(NudgeModel):
    notification_sent: int | None = None
    notification_opened: int | None = None
    survey_started: int | None = None
    survey_completed: int | None = None


class Keyword(NudgeModel):
    word: str
    frequency: int = Field(description="Distinct respondents who used the word")


class TrendPoint(NudgeModel):
    date: str
    score: float = Field(description="Mean VADER compound score (-1..1) of the day's text answers")


class Insights(NudgeModel):
    top_keywords: list[Keyword]
    sentiment_trend: list[TrendPoint]


class SurveyAnalytics(NudgeModel):
    survey_id: str
    brand_id: str
    min_segment_size: int
    response_count: int | None = Field(
        description="Respondents who share analytics (only they count anywhere here); null below the minimum"
    )
    demographics: Demographics
    engagement: Engagement
    funnel: Funnel
    insights: Insights
