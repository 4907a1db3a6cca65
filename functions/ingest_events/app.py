"""POST /v1/events: ingest a batch of the caller's behavioral events."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.ingestion import IngestEventsRequest, IngestEventsResponse, ingest_for_actor

POST_EVENTS = Endpoint(
    method="POST",
    path="/v1/events",
    summary="Ingest a batch of behavioral events (1-100); re-sent event ids are never counted twice",
    body=IngestEventsRequest,
    response=IngestEventsResponse,
    errors=(403, 409),
    idempotent=True,
    tag="events",
    max_body_bytes=256 * 1024,  # 100 events
)


@endpoint(POST_EVENTS)
def lambda_handler(call: ApiCall, body: IngestEventsRequest) -> IngestEventsResponse:
    return ingest_for_actor(behavior_table(), call.actor, body)
