"""EventBridge rule target: a host platform's published events, ingested like POST /v1/events."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.behavior.bridge import ingest_bridge_event
from nudge.behavior.ingestion_tables import ingestion_tables
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return ingest_bridge_event(ingestion_tables(), event)._asdict()
