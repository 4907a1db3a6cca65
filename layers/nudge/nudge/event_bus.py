"""Events Nudge publishes on its own EventBridge bus (NudgeEventBus) for the host platform to act on."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from nudge import clients, config

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

SOURCE = "nudge"


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None: ...


class EventBus:
    def __init__(self, bus_name: str, client: EventBridgeClient) -> None:
        self._bus = bus_name
        self._client = client

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        entry = {"EventBusName": self._bus, "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}
        response = self._client.put_events(Entries=[entry])  # type: ignore[list-item]
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the {detail_type} event: {response['Entries']}")


def event_bus() -> EventBus:
    return EventBus(config.text("EVENT_BUS_NAME"), clients.events())
