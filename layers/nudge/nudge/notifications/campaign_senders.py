"""The sender of each channel for campaigns: email through SES v2 (`sesv2` SendEmail, html and text parts,
the message's headers, from the sender identity and configuration set the template declares). This
version has no SMS or WhatsApp provider: a delivery on them fails at once as permanent, so the
campaign falls back to its next channel."""

from __future__ import annotations

from functools import cache
from typing import Any

from nudge.notifications.outgoing import Channel, ChannelSender, OutgoingMessage, PermanentSendFailure


class SesCampaignEmail:
    def __init__(self, sender: str, configuration_set: str, client: Any) -> None:
        self._sender = sender
        self._configuration_set = configuration_set
        self._client = client

    def send(self, message: OutgoingMessage) -> str:
        if message.channel != "email":
            raise PermanentSendFailure(f"the email sender cannot send {message.channel}")
        body = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        response = self._client.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [message.to]},
            Content={
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": body,
                    "Headers": [{"Name": name, "Value": value} for name, value in message.headers.items()],
                }
            },
            ConfigurationSetName=self._configuration_set,
        )
        return str(response["MessageId"])


class NoProvider:
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def send(self, message: OutgoingMessage) -> str:
        raise PermanentSendFailure(f"no {self._channel} provider is configured")


@cache
def campaign_sender(channel: Channel) -> ChannelSender:
    if channel != "email":
        return NoProvider(channel)
    from nudge import clients, config

    sender, configuration_set = (
        config.text("NOTIFICATION_SENDER_ADDRESS"),
        config.text("NOTIFICATION_CONFIGURATION_SET"),
    )
    return SesCampaignEmail(sender, configuration_set, clients.sesv2())
