"""EventBridge schedule: count the product views ingestion left pending; move the viewed products in their
category's candidate list."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.catalog.catalog_table import catalog_table
from nudge.observability import observed
from nudge.product_recommendations.candidate_store import candidate_lists
from nudge.product_recommendations.view_counts import refresh_view_counts


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return refresh_view_counts(catalog_table(), candidate_lists()).model_dump()
