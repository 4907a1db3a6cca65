"""A stand-in for SES's event publishing, which moto lacks: each email the emulator accepted through a
configuration set becomes the SES v2 events EventBridge would carry (`source: aws.ses`, on the default bus),
so the template's rule and RecordDeliveryFeedbackFunction run locally as they would on AWS.

Only mail to SES's mailbox simulator has events, and the address decides which: `bounce@...` a Send then a
Permanent bounce, `complaint@...` a Send, a Delivery then a complaint, any other (`success@...`) a Send then
a Delivery. Mail to other addresses has none, so what a test or `make run` sends elsewhere puts nothing on
the bus it did not ask for. No opens or clicks: no one reads the mail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from local_runtime.template import ACCOUNT_ID, REGION

SIMULATOR = "@simulator.amazonses.com"
BOUNCE = f"bounce{SIMULATOR}"
COMPLAINT = f"complaint{SIMULATOR}"
_DETAIL_TYPES = {
    "Send": "Email Sent",
    "Delivery": "Email Delivered",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
}


def ses_events(request: dict[str, Any], message_id: str, now: datetime) -> list[dict[str, Any]]:
    """The events SES would publish for one accepted SendEmail request to the simulator; none without a
    configuration set."""
    configuration_set = request.get("ConfigurationSetName")
    to = list(request.get("Destination", {}).get("ToAddresses", []))
    if not configuration_set or not any(address.lower().endswith(SIMULATOR) for address in to):
        return []
    tags = {tag["Name"]: [tag["Value"]] for tag in request.get("EmailTags", [])}
    mail = {
        "timestamp": _text(now),
        "source": request.get("FromEmailAddress", ""),
        "sendingAccountId": ACCOUNT_ID,
        "messageId": message_id,
        "destination": to,
        "tags": {"ses:configuration-set": [configuration_set], **tags},
    }
    recipients = [{"emailAddress": address} for address in to]
    happened: list[tuple[str, dict[str, Any]]] = [("Send", {})]
    if BOUNCE in to:
        bounce = {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": recipients}
        happened.append(("Bounce", bounce | {"timestamp": _text(now)}))
    else:
        happened.append(("Delivery", {"timestamp": _text(now), "recipients": to}))
    if COMPLAINT in to:
        happened.append(("Complaint", {"complainedRecipients": recipients, "timestamp": _text(now)}))
    return [
        {"eventType": event_type, "mail": mail} | ({event_type.lower(): own} if own else {})
        for event_type, own in happened
    ]


def publish(events: list[dict[str, Any]]) -> None:
    """Put the events on the emulator's default bus, whose rules deliver them as AWS would."""
    from moto.events.models import events_backends

    entries = [
        {"Source": "aws.ses", "DetailType": _DETAIL_TYPES[detail["eventType"]], "Detail": json.dumps(detail)}
        for detail in events
    ]
    if entries:
        events_backends[ACCOUNT_ID][REGION].put_events(entries)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
