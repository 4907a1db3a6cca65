"""Host transactions published to EventBridge reach the ingestion function through the template's rule."""

import json
from typing import Any

from local_runtime.runtime import LocalStack
from tests.builders import answered, created
from tests.integration.conftest import Api


def _publish(stack: LocalStack, user: str, payload: dict[str, Any], source: str = "marketplace.transactions") -> None:
    detail = {key: value for key, value in payload.items() if key != "type"} | {"user_id": user}
    stack.emulator.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.template.ref("NudgeEventBus"),
                "Source": source,
                "DetailType": payload["type"],
                "Detail": json.dumps(detail),
            }
        ]
    )


def test_a_published_transaction_is_ingested(stack: LocalStack, api: Api, user: str) -> None:
    _publish(stack, user, created("bridge-1", offered="600.00"))
    _publish(stack, user, answered("bridge-2", "accepted", accommodated=True))

    assert stack.bridge.deliver_pending() == 2

    signals = api.signals(user)
    assert (signals["requests_created"], signals["answers_accepted"], signals["accommodations"]) == (1, 1, 1)


def test_a_redelivered_event_is_not_counted_twice(stack: LocalStack, api: Api, user: str) -> None:
    _publish(stack, user, created("bridge-1"))
    _publish(stack, user, created("bridge-1"))

    assert stack.bridge.deliver_pending() == 2

    statuses = [entry["result"]["status"] for entry in stack.bridge.delivered[-2:]]
    assert statuses == ["ingested", "duplicate"]
    assert api.signals(user)["requests_created"] == 1


def test_other_sources_do_not_match_the_rule(stack: LocalStack, api: Api, user: str) -> None:
    _publish(stack, user, created("bridge-1"), source="someone.else")
    assert stack.bridge.deliver_pending() == 0
    assert api.signals(user)["events_count"] == 0


def test_an_invalid_event_is_rejected_not_retried_and_writes_nothing(stack: LocalStack, api: Api, user: str) -> None:
    _publish(stack, user, {**created("bridge-1"), "amount": -3})

    assert stack.bridge.deliver_pending() == 1

    result = stack.bridge.delivered[-1]["result"]
    assert result["status"] == "rejected"
    assert any("amount" in problem for problem in result["problems"])
    assert api.signals(user)["events_count"] == 0
