"""POST /v1/events: ingest a batch of the caller's behavioral events."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.api import build_resolver, current_caller, error_responses, idempotent
from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.ingestion import IngestEventsRequest, IngestEventsResponse, ingest_for_caller
from nudge.observability import observed

app = build_resolver()


@app.post(
    "/v1/events",
    summary="Ingest a batch of behavioral events",
    tags=["events"],
    responses=error_responses(403, 409),
)
def post_events(
    body: Annotated[IngestEventsRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key")] = None,
) -> IngestEventsResponse:
    caller = current_caller(app)
    return idempotent(
        app,
        caller,
        idempotency_key,
        body,
        lambda: ingest_for_caller(behavior_table(), caller, body),
        IngestEventsResponse,
    )


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
