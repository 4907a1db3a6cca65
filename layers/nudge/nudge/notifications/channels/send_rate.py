"""The send rate: at most N messages per second per channel across every worker, counted in the send-rate
table (a fixed window of one second per item). A caller over the rate waits for the next second and tries
again, so a throttled batch slows down rather than failing; it never calls the provider over the rate.

Rates (messages per second): EMAIL_SEND_RATE_PER_SECOND (14, SES's first production quota; set it to the
account's), SMS_SEND_RATE_PER_SECOND (20) and WHATSAPP_SEND_RATE_PER_SECOND (80, Meta's default throughput
per business number). Each send costs one conditional write, and a refused one another. One item takes
every send of a channel's second, so a rate above about 1,000 per second (a partition's write limit) would
need the count split over several items.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from nudge import config
from nudge.notifications.channel_names import Channel
from nudge.notifications.outgoing import ChannelSender, OutgoingMessage

DEFAULT_RATES: Mapping[Channel, int] = {"email": 14, "sms": 20, "whatsapp": 80}


class SecondCounter(Protocol):
    def take(self, channel: str, second: int, limit: int) -> bool:
        """Count one send in `second` unless `limit` are counted already."""


class SendRateLimiter:
    def __init__(
        self,
        counter: SecondCounter,
        rates: Mapping[Channel, int],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._counter = counter
        self._rates = rates
        self._clock = clock
        self._sleep = sleep

    def acquire(self, channel: Channel) -> None:
        """Return once this send fits in the channel's rate, waiting out full seconds."""
        while True:
            now = self._clock()
            second = math.floor(now)
            if self._counter.take(channel, second, self._rates[channel]):
                return
            self._sleep(second + 1 - now)


class RateLimitedSender:
    """Each provider call (each try of a retried send) waits for its place in the channel's rate."""

    def __init__(self, inner: ChannelSender, limiter: SendRateLimiter) -> None:
        self._inner = inner
        self._limiter = limiter

    def send(self, message: OutgoingMessage) -> str:
        self._limiter.acquire(message.channel)
        return self._inner.send(message)


def configured_rates() -> dict[Channel, int]:
    return {
        channel: config.whole_number(f"{channel.upper()}_SEND_RATE_PER_SECOND", default, minimum=1)
        for channel, default in DEFAULT_RATES.items()
    }
