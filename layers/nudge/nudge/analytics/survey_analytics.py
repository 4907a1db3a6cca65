"""A brand reads the analytics of one of its surveys: three reads whatever the number of responses
(the survey, its aggregate partition, its top keywords)."""

from __future__ import annotations

from typing import NamedTuple

from nudge import config
from nudge.analytics.analytics_models import SurveyAnalytics
from nudge.analytics.analytics_table import SurveyAnalyticsTable, survey_analytics_table
from nudge.analytics.report import report
from nudge.catalog.catalog_table import CatalogTable, catalog_table
from nudge.catalog.surveys import BrandSurveyPath
from nudge.errors import NotFound
from nudge.users.actor import Actor

TOP_KEYWORDS = 10
# The design's minimum; the MinSegmentSize parameter may raise it, never lower it.
MIN_SEGMENT_SIZE = 10


class AnalyticsTables(NamedTuple):
    catalog: CatalogTable
    analytics: SurveyAnalyticsTable


def min_segment_size() -> int:
    return config.whole_number("MIN_SEGMENT_SIZE", MIN_SEGMENT_SIZE, minimum=MIN_SEGMENT_SIZE)


def survey_analytics(tables: AnalyticsTables, actor: Actor, path: BrandSurveyPath, minimum: int) -> SurveyAnalytics:
    """The survey's analytics for its brand (or an admin); another brand's survey is 404."""
    actor.ensure_brand(path.brand_id)
    if tables.catalog.survey_brand(path.survey_id) != path.brand_id:
        raise NotFound("there is no such survey of this brand", field="survey_id")
    aggregates = tables.analytics.aggregates(path.survey_id)
    keywords = tables.analytics.top_keywords(path.survey_id, minimum, TOP_KEYWORDS)
    return report(path.survey_id, path.brand_id, aggregates, keywords, minimum)


def analytics_tables() -> AnalyticsTables:
    return AnalyticsTables(catalog_table(), survey_analytics_table())
