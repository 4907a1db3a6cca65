"""Email through SES v2 (`sesv2` SendEmail), from the sender identity and configuration set the template
declares (NotificationSenderAddress, NotificationConfigurationSet), so every message is sent, tracked
and suppressed the same way."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from nudge import clients, config


class Email(NamedTuple):
    to: str
    subject: str
    text: str


class EmailSender(Protocol):
    def send(self, email: Email) -> str:
        """Send one plain-text email; returns the provider's message id."""


class SesEmailSender:
    def __init__(self, sender: str, configuration_set: str, client: Any) -> None:
        self._sender = sender
        self._configuration_set = configuration_set
        self._client = client

    def send(self, email: Email) -> str:
        response = self._client.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [email.to]},
            Content={
                "Simple": {
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"}},
                }
            },
            ConfigurationSetName=self._configuration_set,
        )
        return str(response["MessageId"])


def email_sender() -> SesEmailSender:
    return SesEmailSender(
        config.text("NOTIFICATION_SENDER_ADDRESS"), config.text("NOTIFICATION_CONFIGURATION_SET"), clients.sesv2()
    )
