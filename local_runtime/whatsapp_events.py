"""A stand-in for End User Messaging Social's event publishing, which no emulator has: each WhatsApp message the
emulator accepted becomes the status events the service would publish to the WhatsApp Business Account's event
destination (an SNS topic), `sent` then `delivered`, so the template's subscription and
RecordDeliveryFeedbackFunction run locally as they would on AWS. Each is the service's event (the AWS header and
`whatsAppWebhookEntry`, the JSON text of one entry of Meta's webhook) with the message's
`biz_opaque_callback_data` in its status, as Meta returns it. No one reads the message, so no `read`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from local_runtime.template import ACCOUNT_ID, REGION

WABA_ID = "waba-0123456789abcdef0123456789abcdef"
META_WABA_ID = "102290129340398"
META_PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "15550783881"


def status_event(
    message_id: str, to: str, status: str, callback_data: str | None, origination: str, now: datetime
) -> str:
    """One status of one message, as the SNS message's text End User Messaging Social publishes."""
    state: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(now.timestamp())),
        "recipient_id": to.removeprefix("+"),
    }
    if callback_data is not None:
        state["biz_opaque_callback_data"] = callback_data
    if status != "failed":
        state["conversation"] = {"id": uuid.uuid4().hex, "origin": {"type": "marketing"}}
        state["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "marketing"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": META_PHONE_NUMBER_ID},
        "statuses": [state],
    }
    entry = {"id": META_WABA_ID, "changes": [{"value": value, "field": "messages"}]}
    phone_number_arn = (
        origination
        if origination.startswith("arn:")
        else f"arn:aws:social-messaging:{REGION}:{ACCOUNT_ID}:{origination.replace('-id-', '-id/', 1)}"
    )
    event = {
        "context": {
            "MetaWabaIds": [
                {"wabaId": META_WABA_ID, "arn": f"arn:aws:social-messaging:{REGION}:{ACCOUNT_ID}:waba/{WABA_ID[5:]}"}
            ],
            "MetaPhoneNumberIds": [{"metaPhoneNumberId": META_PHONE_NUMBER_ID, "arn": phone_number_arn}],
        },
        "whatsAppWebhookEntry": json.dumps(entry),
        "aws_account_id": ACCOUNT_ID,
        "message_timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "messageId": str(uuid.uuid4()),
    }
    return json.dumps(event)


def publish(topic_arn: str, messages: list[str]) -> None:
    """Publish the events to the topic in the emulator, whose subscriptions deliver them as SNS would."""
    from moto.sns.models import sns_backends

    backend = sns_backends[ACCOUNT_ID][REGION]
    for message in messages:
        backend.publish(message, arn=topic_arn)
