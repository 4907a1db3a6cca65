"""WhatsApp message statuses, as AWS End User Messaging Social publishes them to the WhatsApp Business Account's
event destination (an SNS topic, which invokes RecordDeliveryFeedbackFunction).

Each SNS message is the service's event: an AWS header (`context`, `aws_account_id`, `message_timestamp`,
`messageId`) and `whatsAppWebhookEntry`, the JSON text of one entry of Meta's webhook, whose `changes[].value`
carry `statuses` (of messages sent) or `messages` (a customer's reply, which is not feedback). A status names
its message through `biz_opaque_callback_data`, which the WhatsApp sender set to the notification and campaign
ids (channels/whatsapp.py): `delivered` marks `delivered_at`, `read` marks `opened_at`, `failed` marks
`undelivered_at` (counter `undelivered`), each once, like SES's events; `sent` changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.notifications.delivery_feedback import Feedback

if TYPE_CHECKING:
    from nudge.notifications.delivery_table import FeedbackKind

_KINDS: dict[str, FeedbackKind] = {"delivered": "delivered", "read": "opened", "failed": "undelivered"}


class _Status(NudgeModel, extra="ignore"):
    id: str
    status: str
    timestamp: int = Field(description="Unix seconds, as Meta writes them (text)")
    biz_opaque_callback_data: str | None = None


class _Value(NudgeModel, extra="ignore"):
    statuses: list[_Status] = Field(default_factory=list)


class _Change(NudgeModel, extra="ignore"):
    value: _Value


class _Entry(NudgeModel, extra="ignore"):
    changes: list[_Change] = Field(default_factory=list)


def _callback(data: str | None) -> dict[str, Any]:
    """Our ids from the status's callback data; none when the message was not sent by Nudge's sender."""
    try:
        found = json.loads(data) if data else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _feedback(status: _Status) -> Feedback:
    at = datetime.fromtimestamp(status.timestamp, UTC)
    ids = _callback(status.biz_opaque_callback_data)
    notification_id, campaign_id = ids.get("notification_id"), ids.get("campaign_id")
    return Feedback(
        kind=_KINDS.get(status.status),
        notification_id=str(notification_id) if notification_id else None,
        campaign_id=str(campaign_id) if campaign_id else None,
        message_id=status.id,
        at=at,
        sent_at=at,  # a status tells no send time: its own (later) time bounds the retries for index lag
        addresses=[],  # the suppression list holds email addresses only
        permanent=False,
    )


def parse_statuses(message: str) -> list[Feedback]:
    """The statuses in one End User Messaging Social event (an SNS message's text); InvalidInput naming the
    field when it is not such an event."""
    try:
        event = json.loads(message)
        entry = _Entry.model_validate_json(event["whatsAppWebhookEntry"])
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in ("whatsAppWebhookEntry", *problem["loc"]))
        raise InvalidInput(problem["msg"], field=field) from error
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidInput("not an End User Messaging Social event", field="whatsAppWebhookEntry") from error
    return [_feedback(status) for change in entry.changes for status in change.value.statuses]
