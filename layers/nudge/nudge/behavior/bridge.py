"""Events a host platform publishes to EventBridge, ingested with the same logic as the API.

The rule (see template.yaml) matches the event types by `detail-type`; `detail` carries the
event's fields and the `user_id` it belongs to. An event that can never be valid is logged and
counted, not raised: Lambda's async retries would only fail again. Anything else (DynamoDB
unavailable, say) raises, so Lambda retries it and finally hands it to the dead-letter queue.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.store import BehaviorStore
from nudge.errors import RequestInvalid
from nudge.identifiers import UserId
from nudge.models import field_path
from nudge.observability import logger, metrics


@cache
def _adapters() -> tuple[TypeAdapter[str], TypeAdapter[BehavioralEvent]]:
    return TypeAdapter(UserId), TypeAdapter(BehavioralEvent)


class BridgeIngestion(NamedTuple):
    """The outcome for one EventBridge event, returned by the function and logged by Lambda."""

    status: Literal["ingested", "duplicate", "not_tracked", "rejected"]
    user_id: str | None = None
    event_id: str | None = None
    problems: tuple[str, ...] = ()


def _parse(envelope: dict[str, Any]) -> tuple[str, BehavioralEvent]:
    detail = dict(envelope.get("detail") or {})
    user_adapter, event_adapter = _adapters()
    user_id = user_adapter.validate_python(detail.pop("user_id", None), strict=True)
    # Re-read as JSON, strictly: EventBridge delivers JSON, and its numbers and dates follow the API's rules.
    event = event_adapter.validate_json(json.dumps({**detail, "type": envelope.get("detail-type")}), strict=True)
    return user_id, event


def _rejected(envelope: dict[str, Any], problems: list[str]) -> BridgeIngestion:
    logger().error("rejected EventBridge event", extra={"event_id": envelope.get("id"), "problems": problems})
    metrics().add_metric(name="BridgeEventsRejected", unit=MetricUnit.Count, value=1)
    return BridgeIngestion(status="rejected", problems=tuple(problems))


def ingest_bridge_event(store: BehaviorStore, envelope: dict[str, Any]) -> BridgeIngestion:
    try:
        user_id, event = _parse(envelope)
    except ValidationError as error:
        return _rejected(envelope, [f"{field_path(problem['loc'])}: {problem['msg']}" for problem in error.errors()])
    try:
        result = ingest_events(store, user_id, [event])
    except RequestInvalid as invalid:
        return _rejected(envelope, [f"{field}: {problem}" for field, problem in invalid.problems])
    status: Literal["ingested", "duplicate", "not_tracked"] = "ingested"
    if result.duplicate_event_ids:
        status = "duplicate"
    elif result.not_tracked_event_ids:
        status = "not_tracked"  # no behavioral-tracking consent: neither stored nor counted
    return BridgeIngestion(status=status, user_id=user_id, event_id=event.event_id)
