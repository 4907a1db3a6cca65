"""POST /v1/surveys/{survey_id}/responses: the signed-in user responds to a published survey, once."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.response_models import ResponseRequest, SubmittedResponse
from nudge.catalog.responses import response_tables, submit_response
from nudge.catalog.surveys import SurveyPath

SUBMIT_RESPONSE = Endpoint(
    method="POST",
    path="/v1/surveys/{survey_id}/responses",
    summary="Respond to a published survey (once per user: a second response is 409)",
    path_parameters=SurveyPath,
    body=ResponseRequest,
    response=SubmittedResponse,
    errors=(403, 404, 409),
    status=201,
    tag="catalog",
)


@endpoint(SUBMIT_RESPONSE)
def lambda_handler(call: ApiCall, path: SurveyPath, body: ResponseRequest) -> SubmittedResponse:
    return submit_response(response_tables(), call.actor, path.survey_id, body, datetime.now(UTC))
