"""POST /v1/events: ingest a batch of the caller's behavioral events."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.ingestion_api import IngestEventsRequest, IngestEventsResponse, ingest_for_actor
from nudge.behavior.ingestion_tables import ingestion_tables

POST_EVENTS = Endpoint(
    method="POST",
    path="/v1/events",
    summary="Ingest a batch of behavioral events (1-100); re-sent event ids are never counted twice, engagement "
    "events only with behavioral-tracking consent",
    body=IngestEventsRequest,
    response=IngestEventsResponse,
    errors=(403, 409),
    idempotent=True,
    tag="events",
    max_body_bytes=256 * 1024,  # 100 events
)


@endpoint(POST_EVENTS)
def lambda_handler(call: ApiCall, body: IngestEventsRequest) -> IngestEventsResponse:
    return ingest_for_actor(ingestion_tables(), call.actor, body)
