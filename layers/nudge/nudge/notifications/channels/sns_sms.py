"""SMS through SNS `Publish` to the phone number (IAM: sns:Publish on `*`, as IAM authorizes publishing to a
phone number). A transactional message (an urgent campaign's) is sent as SMSType Transactional, which
carriers deliver first and opted-out numbers still refuse; everything else as Promotional, the cheaper route.
"""

from __future__ import annotations

from typing import Any

from nudge.notifications.channels.provider_errors import provider_call
from nudge.notifications.outgoing import OutgoingMessage, OutgoingSms

SMS_TYPE = "AWS.SNS.SMS.SMSType"


class SnsSmsSender:
    def __init__(self, client: Any) -> None:
        self._client = client

    def send(self, message: OutgoingMessage) -> str:
        if not isinstance(message, OutgoingSms):
            raise TypeError(f"the SMS sender cannot send a {message.channel} message")
        sms_type = "Transactional" if message.transactional else "Promotional"
        with provider_call():
            response = self._client.publish(
                PhoneNumber=message.to,
                Message=message.text,
                MessageAttributes={SMS_TYPE: {"DataType": "String", "StringValue": sms_type}},
            )
        return str(response["MessageId"])
