"""WhatsApp through AWS End User Messaging Social, `socialmessaging` `SendWhatsAppMessage` (IAM:
social-messaging:SendWhatsAppMessage on the phone number, arn:aws:social-messaging:<region>:<account>:
phone-number-id/<id>).

Only approved templates reach a user who has not written first, so every message is a template message:
the `message` bytes are the WhatsApp Cloud API request body for that template, its parameters the body's
text parameters in order. `biz_opaque_callback_data` carries the notification and campaign ids; Meta
returns it in the status webhooks, so delivery feedback names the notification it is about.
"""

from __future__ import annotations

import json
from typing import Any

from nudge.notifications.channels.provider_errors import provider_call
from nudge.notifications.outgoing import OutgoingMessage, OutgoingWhatsApp

# The Cloud API version the message body below is written for: a code fact, not a setting.
META_API_VERSION = "v20.0"


class WhatsAppSender:
    def __init__(self, origination_phone_number_id: str, client: Any) -> None:
        self._origination = origination_phone_number_id
        self._client = client

    def send(self, message: OutgoingMessage) -> str:
        if not isinstance(message, OutgoingWhatsApp):
            raise TypeError(f"the WhatsApp sender cannot send a {message.channel} message")
        with provider_call():
            response = self._client.send_whatsapp_message(
                originationPhoneNumberId=self._origination,
                message=cloud_api_message(message),
                metaApiVersion=META_API_VERSION,
            )
        return str(response["messageId"])


def cloud_api_message(message: OutgoingWhatsApp) -> bytes:
    template: dict[str, Any] = {"name": message.template_name, "language": {"code": message.language}}
    if message.parameters:
        parameters = [{"type": "text", "text": value} for value in message.parameters]
        template["components"] = [{"type": "body", "parameters": parameters}]
    callback = {"notification_id": message.notification_id, "campaign_id": message.campaign_id}
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to,
        "type": "template",
        "template": template,
        "biz_opaque_callback_data": json.dumps(callback, separators=(",", ":")),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
