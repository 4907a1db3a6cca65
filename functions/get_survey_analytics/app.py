"""GET /v1/brands/{brand_id}/surveys/{survey_id}/analytics: a brand's aggregated view of its survey."""

from nudge.analytics.analytics_models import SurveyAnalytics
from nudge.analytics.survey_analytics import analytics_tables, min_segment_size, survey_analytics
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.catalog.surveys import BrandSurveyPath

GET_SURVEY_ANALYTICS = Endpoint(
    method="GET",
    path="/v1/brands/{brand_id}/surveys/{survey_id}/analytics",
    summary="Aggregated analytics of a survey of the brand (that brand or an admin): consenting respondents only, "
    "no segment under the minimum size",
    access="brand",
    path_parameters=BrandSurveyPath,
    response=SurveyAnalytics,
    errors=(404,),
    tag="catalog",
)


@endpoint(GET_SURVEY_ANALYTICS)
def lambda_handler(call: ApiCall, path: BrandSurveyPath) -> SurveyAnalytics:
    return survey_analytics(analytics_tables(), call.actor, path, min_segment_size())
