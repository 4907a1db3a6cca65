"""A user's survey response as they send it and as Nudge keeps it."""

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictInt, StrictStr

from nudge.catalog.question_kinds import MAX_QUESTIONS, QuestionType
from nudge.engagement.engagement_events import Source
from nudge.identifiers import Identifier
from nudge.models import NudgeModel


class Answer(NudgeModel):
    question_id: Identifier
    # Bounded in value_problem, which knows the question: a union's own bounds report once per member.
    value: StrictInt | StrictStr = Field(
        description="nps: 0-10, rating: 1-5 (whole numbers); choice: one of the options; text: up to 2000 characters"
    )


AnswerList = Annotated[list[Answer], Field(min_length=1, max_length=MAX_QUESTIONS)]

# As long as an engagement event's duration may be: a response started earlier says nothing useful.
MAX_TIME_TO_COMPLETE = timedelta(hours=24)


class ResponseRequest(NudgeModel):
    answers: AnswerList
    started_at: AwareDatetime | None = Field(
        default=None, description="When the user opened the survey: within the 24 hours before the response"
    )
    channel: Source = Field(description="Where the user answered from")


class DemographicSnapshot(NudgeModel):
    """The coarse demographics of the profile when the user responded (never city, never a sensitive
    attribute), for brands' aggregated analytics; taken only with analytics-sharing consent."""

    age_range: str | None = None
    country: str | None = None
    state: str | None = None
    gender: str | None = None


class RecordedAnswer(Answer):
    value: int | str  # as checked on arrival (answers.py); stored numbers come back as decimals
    type: QuestionType = Field(description="The question's type, kept so erasure knows which answers are free text")


class SurveyResponse(NudgeModel):
    survey_id: str
    user_id: str
    answers: list[RecordedAnswer]
    channel: Source
    started_at: datetime | None = None
    responded_at: datetime
    analytics_sharing: bool = Field(description="The user's analytics-sharing consent when they responded")
    demographics: DemographicSnapshot | None = Field(default=None, description="Only with analytics_sharing")


class SubmittedResponse(SurveyResponse):
    engagement: Literal["recorded", "not_tracked"] = Field(
        description="recorded: counted as survey_complete; not_tracked: no behavioral-tracking consent"
    )
