"""Channel senders: deliver one rendered message (nudge.notifications.outgoing) through its provider.

    from nudge.notifications.channels import channel_sender
    provider_message_id = channel_sender(message.channel).send(message)

`channel_sender(channel)` is built on first use and kept for the warm Lambda: the provider's sender
(`ses_email`, `sns_sms`, `whatsapp`), behind the shared send-rate limiter (`send_rate`), behind the retries
(`retrying`: 3 tries in total). It raises PermanentSendFailure at once for what the provider refused for
good, and the last TransientSendFailure after the third try; either way the caller falls back.

What a function that sends needs (template.yaml):
- email: NOTIFICATION_SENDER_ADDRESS, NOTIFICATION_CONFIGURATION_SET; ses:SendEmail on the sender identity
  and on the configuration set;
- sms: sns:Publish on `*` (publishing to a phone number has no resource ARN);
- whatsapp: WHATSAPP_ORIGINATION_PHONE_NUMBER_ID (`phone-number-id-...`); social-messaging:SendWhatsAppMessage
  on arn:aws:social-messaging:<region>:<account>:phone-number-id/<id>;
- every channel: SEND_RATE_TABLE_NAME with dynamodb:UpdateItem on SendRateTable, and optionally
  <CHANNEL>_SEND_RATE_PER_SECOND (send_rate.py has the defaults).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from nudge.notifications.channel_names import Channel
from nudge.notifications.outgoing import ChannelSender

if TYPE_CHECKING:
    from nudge.notifications.channels.send_rate import SendRateLimiter


@cache
def channel_sender(channel: Channel) -> ChannelSender:
    from nudge.notifications.channels.retrying import RetryingSender
    from nudge.notifications.channels.send_rate import RateLimitedSender

    return RetryingSender(RateLimitedSender(provider_sender(channel), send_rate_limiter()))


@cache
def send_rate_limiter() -> SendRateLimiter:
    from nudge.notifications.channels.send_rate import SendRateLimiter, configured_rates
    from nudge.notifications.channels.send_rate_table import send_rate_table

    return SendRateLimiter(send_rate_table(), configured_rates())


def provider_sender(channel: Channel) -> ChannelSender:
    """The channel's provider call alone, without retries or the rate limit."""
    from nudge import clients, config

    if channel == "email":
        from nudge.notifications.channels.ses_email import SesEmailSender

        sender = config.text("NOTIFICATION_SENDER_ADDRESS")
        return SesEmailSender(sender, config.text("NOTIFICATION_CONFIGURATION_SET"), clients.channel("sesv2"))
    if channel == "sms":
        from nudge.notifications.channels.sns_sms import SnsSmsSender

        return SnsSmsSender(clients.channel("sns"))
    from nudge.notifications.channels.whatsapp import WhatsAppSender

    origination = config.text("WHATSAPP_ORIGINATION_PHONE_NUMBER_ID")
    return WhatsAppSender(origination, clients.channel("socialmessaging"))


def reset() -> None:
    """Forget the senders, so the next call builds them for the current environment (tests)."""
    channel_sender.cache_clear()
    send_rate_limiter.cache_clear()
