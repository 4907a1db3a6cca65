"""A user responds to a published survey, once.

One BatchGetItem reads the survey, the user's profile and consent. The response, with the
demographic snapshot when the user shares analytics, is one PutItem conditional on the user not
having responded (the key is the guard), so a second response is 409 and writes nothing. With
analytics-sharing consent, the same write is a transaction that also adds the response's
contribution to the survey's aggregates (nudge/analytics/contribution.py): at most 7 cell counters
and 20 keywords, 28 items, within DynamoDB's 100 per transaction; the aggregates count each
response exactly once, or not at all. The
engagement (`survey_complete`) follows through event ingestion, which stores it only with the user's
behavioral-tracking consent; its event id is derived from the survey, so it counts once however often
it is sent. A 409 sends it again: a response whose engagement failed to record is completed by the
retry.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from nudge import clients
from nudge.analytics.analytics_table import SurveyAnalyticsTable, survey_analytics_table
from nudge.analytics.contribution import contribution
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_tables import IngestionTables, ingestion_tables
from nudge.catalog.answers import check_answers
from nudge.catalog.catalog_models import Survey
from nudge.catalog.catalog_table import CatalogTable, catalog_table
from nudge.catalog.response_models import (
    MAX_TIME_TO_COMPLETE,
    DemographicSnapshot,
    RecordedAnswer,
    ResponseRequest,
    SubmittedResponse,
    SurveyResponse,
)
from nudge.catalog.response_table import SurveyResponseTable, survey_response_table
from nudge.catalog.surveys import visible
from nudge.engagement.engagement_events import SurveyEvent
from nudge.errors import Conflict, Forbidden, InvalidInput
from nudge.item_codec import batch_get_items
from nudge.profiles.consent import ConsentRecord
from nudge.profiles.profile import ProfileRecord
from nudge.profiles.profile_table import ProfileTable, profile_table
from nudge.users.actor import Actor


class ResponseTables(NamedTuple):
    catalog: CatalogTable
    profiles: ProfileTable
    responses: SurveyResponseTable
    ingestion: IngestionTables
    analytics: SurveyAnalyticsTable
    client: object


def snapshot(profile: ProfileRecord | None) -> DemographicSnapshot:
    """The coarse demographics brands may see aggregated: never the city, never a sensitive attribute."""
    demographics = profile.fields.demographics if profile else None
    location = demographics.location if demographics else None
    return DemographicSnapshot(
        age_range=demographics.age_range if demographics else None,
        country=location.country if location else None,
        state=location.state if location else None,
        gender=demographics.gender if demographics else None,
    )


def new_response(
    survey: Survey,
    user_id: str,
    request: ResponseRequest,
    profile: ProfileRecord | None,
    consent: ConsentRecord,
    now: datetime,
) -> SurveyResponse:
    """The response as stored; raises when the survey takes none or the answers do not fit it."""
    if survey.status != "published":
        raise Conflict("the survey is closed", field="survey_id")
    if request.started_at is not None and not now - MAX_TIME_TO_COMPLETE <= request.started_at <= now:
        raise InvalidInput("must be within the 24 hours before the response", field="started_at")
    check_answers(survey, request.answers)
    types = {question.question_id: question.type for question in survey.questions}
    sharing = consent.settings.analytics_sharing
    return SurveyResponse(
        survey_id=survey.survey_id,
        user_id=user_id,
        answers=[RecordedAnswer(**answer.model_dump(), type=types[answer.question_id]) for answer in request.answers],
        channel=request.channel,
        started_at=request.started_at,
        responded_at=now,
        analytics_sharing=sharing,
        demographics=snapshot(profile) if sharing else None,
    )


def completion_event(survey: Survey, response: SurveyResponse) -> SurveyEvent:
    duration = response.responded_at - response.started_at if response.started_at else None
    return SurveyEvent(
        event_id=f"survey_complete:{survey.survey_id}",
        type="survey_complete",
        survey_id=survey.survey_id,
        product_id=survey.product_id,
        category=survey.category,
        duration_seconds=int(duration.total_seconds()) if duration is not None else None,
        source=response.channel,
        occurred_at=response.responded_at,
    )


def submit_response(
    tables: ResponseTables, actor: Actor, survey_id: str, request: ResponseRequest, now: datetime
) -> SubmittedResponse:
    if actor.brand_id is not None:
        raise Forbidden("brands do not respond to surveys; sign in as a user")
    reads = [
        tables.catalog.survey_read(survey_id),
        tables.profiles.profile_read(actor.user_id),
        tables.profiles.consent_read(actor.user_id),
    ]
    survey_item, profile_item, consent_item = batch_get_items(tables.client, reads, consistent=True)
    survey = visible(tables.catalog.decode_survey(survey_item), actor)
    profile, consent = tables.profiles.decode_profile(profile_item), tables.profiles.decode_consent(consent_item)
    response = new_response(survey, actor.user_id, request, profile, consent, now)
    counted = contribution(survey, response)
    also = tables.analytics.updates(survey.survey_id, counted) if counted else []
    if not tables.responses.add(response, also):
        earlier = tables.responses.response(survey_id, actor.user_id)
        if earlier is not None:
            _record_engagement(tables, survey, earlier, now)
        raise Conflict("you have responded to this survey already", field="survey_id")
    tracked = _record_engagement(tables, survey, response, now)
    return SubmittedResponse(**response.model_dump(), engagement="recorded" if tracked else "not_tracked")


def _record_engagement(tables: ResponseTables, survey: Survey, response: SurveyResponse, now: datetime) -> bool:
    done = ingest_events(tables.ingestion, response.user_id, [completion_event(survey, response)], now)
    return not done.not_tracked_event_ids


def response_tables() -> ResponseTables:
    client = clients.dynamodb()
    return ResponseTables(
        catalog_table(), profile_table(), survey_response_table(), ingestion_tables(), survey_analytics_table(), client
    )
