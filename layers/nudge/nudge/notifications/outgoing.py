"""The port between campaigns and the providers: the message a campaign hands to a channel, and how a
channel answers. Campaigns decide who gets what on which channel, and when (and fall back to the next
channel); a channel sender only delivers one rendered message, retrying what the provider says is
worth retrying."""

from typing import Literal, Protocol

from pydantic import Field

from nudge.models import NudgeModel


class _Outgoing(NudgeModel):
    notification_id: str
    user_id: str
    campaign_id: str | None = None
    to: str


class OutgoingEmail(_Outgoing):
    channel: Literal["email"] = "email"
    subject: str
    html: str | None = None
    text: str
    # One-click unsubscribe (RFC 8058) and the like; the sender adds nothing of its own.
    headers: dict[str, str] = Field(default_factory=dict)


class OutgoingSms(_Outgoing):
    channel: Literal["sms"] = "sms"
    text: str
    transactional: bool = False


class OutgoingWhatsApp(_Outgoing):
    channel: Literal["whatsapp"] = "whatsapp"
    template_name: str
    language: str
    parameters: list[str] = Field(default_factory=list)


type OutgoingMessage = OutgoingEmail | OutgoingSms | OutgoingWhatsApp


class PermanentSendFailure(Exception):
    """The provider refused the message for good (an invalid address, a rejected template): never retried."""


class TransientSendFailure(Exception):
    """Throttled, timed out or failed on the provider's side: worth retrying with backoff."""


class ChannelSender(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Deliver one message; returns the provider's message id, or raises PermanentSendFailure or
        TransientSendFailure."""
