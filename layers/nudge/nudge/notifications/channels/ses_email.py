"""Email through SES v2 `SendEmail` (IAM: ses:SendEmail on the sender identity and the configuration set).

A Simple message with its text part (and html part when the template has one) and the message's own headers
(List-Unsubscribe, List-Unsubscribe-Post: List-Unsubscribe=One-Click), from NotificationSenderAddress, through
NotificationConfigurationSet, tagged `notification_id` and `campaign_id` so SES events (deliveries, bounces,
complaints, opens, clicks) name the notification they are about.
"""

from __future__ import annotations

import re
from typing import Any

from nudge.notifications.channels.provider_errors import provider_call
from nudge.notifications.outgoing import OutgoingEmail, OutgoingMessage

UTF8 = "UTF-8"


class SesEmailSender:
    def __init__(self, sender: str, configuration_set: str, client: Any) -> None:
        self._sender = sender
        self._configuration_set = configuration_set
        self._client = client

    def send(self, message: OutgoingMessage) -> str:
        if not isinstance(message, OutgoingEmail):
            raise TypeError(f"the email sender cannot send a {message.channel} message")
        with provider_call():
            response = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [message.to]},
                Content={"Simple": simple_content(message)},
                EmailTags=email_tags(message),
                ConfigurationSetName=self._configuration_set,
            )
        return str(response["MessageId"])


def simple_content(message: OutgoingEmail) -> dict[str, Any]:
    body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": UTF8}}
    if message.html is not None:
        body["Html"] = {"Data": message.html, "Charset": UTF8}
    content: dict[str, Any] = {"Subject": {"Data": message.subject, "Charset": UTF8}, "Body": body}
    if message.headers:
        content["Headers"] = [{"Name": name, "Value": value} for name, value in message.headers.items()]
    return content


def email_tags(message: OutgoingEmail) -> list[dict[str, str]]:
    tags = [{"Name": "notification_id", "Value": tag_value(message.notification_id)}]
    if message.campaign_id is not None:
        tags.append({"Name": "campaign_id", "Value": tag_value(message.campaign_id)})
    return tags


def tag_value(identifier: str) -> str:
    """An SES tag value allows only letters, digits, `_` and `-`, and Nudge's ids may hold `.` and `:`: any other
    character (and `_` itself) becomes `_` and its two hex digits, so `identifier_of` gives the id back."""
    return "".join(
        character if character.isascii() and (character.isalnum() or character == "-") else f"_{ord(character):02X}"
        for character in identifier
    )


def identifier_of(value: str) -> str:
    """The id an SES tag value (of delivery feedback) was made from by `tag_value`."""
    return re.sub(r"_([0-9A-F]{2})", lambda match: chr(int(match.group(1), 16)), value)
