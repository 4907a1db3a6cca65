"""Announcing catalog changes on Nudge's bus: `product.launched` and `survey.published`.

Delivery is at least once: the item is written first and marked announced only after PutEvents
succeeded, so a failed publish is retried by the brand's next PUT. Each detail carries a stable
`event_id` (the same on a retry) for consumers to drop repeats by.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from nudge import clients, config

SOURCE = "nudge.catalog"


class Announcer(Protocol):
    def announce(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class BusAnnouncer:
    def __init__(self, bus_name: str, client: Any) -> None:
        self._bus = bus_name
        self._client = client

    def announce(self, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {"EventBusName": self._bus, "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}
        response = self._client.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            code = response["Entries"][0].get("ErrorCode", "unknown")
            raise RuntimeError(f"EventBridge refused the {detail_type} event: {code}")


def bus_announcer() -> BusAnnouncer:
    return BusAnnouncer(config.text("EVENT_BUS_NAME"), clients.events())
