"""GET /v1/surveys/{survey_id}: a published (or closed) survey, for any signed-in user."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.catalog_models import Survey
from nudge.catalog.catalog_table import catalog_table
from nudge.catalog.surveys import SurveyPath, survey_for_actor

GET_SURVEY = Endpoint(
    method="GET",
    path="/v1/surveys/{survey_id}",
    summary="Read a published or closed survey (a draft: its brand and admins only)",
    path_parameters=SurveyPath,
    response=Survey,
    errors=(404,),
    tag="catalog",
)


@endpoint(GET_SURVEY)
def lambda_handler(call: ApiCall, path: SurveyPath) -> Survey:
    return survey_for_actor(catalog_table(), call.actor, path.survey_id)
