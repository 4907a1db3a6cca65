"""PUT /v1/brands/{brand_id}/surveys/{survey_id}: a brand writes one of its surveys."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.announcements import bus_announcer
from nudge.catalog.catalog_models import Survey, SurveyFields
from nudge.catalog.catalog_table import catalog_table
from nudge.catalog.surveys import BrandSurveyPath, put_survey
from nudge.subscribers.click_links import allowed_domains

PUT_SURVEY = Endpoint(
    method="PUT",
    path="/v1/brands/{brand_id}/surveys/{survey_id}",
    summary="Create or replace a survey of the brand (that brand or an admin); publishing publishes survey.published",
    access="brand",
    path_parameters=BrandSurveyPath,
    body=SurveyFields,
    response=Survey,
    errors=(404, 409),
    tag="catalog",
)


@endpoint(PUT_SURVEY)
def lambda_handler(call: ApiCall, path: BrandSurveyPath, body: SurveyFields) -> Survey:
    return put_survey(catalog_table(), bus_announcer(), path, body, datetime.now(UTC), allowed_domains())
