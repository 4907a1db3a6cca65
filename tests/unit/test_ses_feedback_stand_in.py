"""The local stand-in for SES's event publishing: which events a simulator address gets, without AWS."""

from datetime import UTC, datetime
from typing import Any

import pytest

from local_runtime.ses_feedback import ses_events

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _request(to: str, configuration_set: str | None = "nudge-local-notifications") -> dict[str, Any]:
    request: dict[str, Any] = {
        "FromEmailAddress": "privacy@nudge.example",
        "Destination": {"ToAddresses": [to]},
        "EmailTags": [{"Name": "notification_id", "Value": "n-1"}, {"Name": "campaign_id", "Value": "cmp-1"}],
    }
    return request | ({"ConfigurationSetName": configuration_set} if configuration_set else {})


@pytest.mark.parametrize(
    ("to", "types"),
    [
        ("bounce@simulator.amazonses.com", ["Send", "Bounce"]),
        ("complaint@simulator.amazonses.com", ["Send", "Delivery", "Complaint"]),
        ("success@simulator.amazonses.com", ["Send", "Delivery"]),
        ("ooto@simulator.amazonses.com", ["Send", "Delivery"]),
        ("ana@example.com", []),
    ],
)
def test_the_simulator_address_decides_the_events(to: str, types: list[str]) -> None:
    events = ses_events(_request(to), "m-1", NOW)
    assert [event["eventType"] for event in events] == types
    for event in events:
        assert event["mail"]["tags"] == {
            "ses:configuration-set": ["nudge-local-notifications"],
            "notification_id": ["n-1"],
            "campaign_id": ["cmp-1"],
        }
        assert (event["mail"]["messageId"], event["mail"]["timestamp"]) == ("m-1", "2026-12-01T09:00:00.000Z")


def test_a_bounce_is_permanent_and_names_its_recipient_and_mail_without_a_set_has_no_events() -> None:
    [_, bounce] = ses_events(_request("bounce@simulator.amazonses.com"), "m-1", NOW)
    assert bounce["bounce"]["bounceType"] == "Permanent"
    assert bounce["bounce"]["bouncedRecipients"] == [{"emailAddress": "bounce@simulator.amazonses.com"}]
    assert ses_events(_request("bounce@simulator.amazonses.com", configuration_set=None), "m-1", NOW) == []
