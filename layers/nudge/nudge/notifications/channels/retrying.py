"""Retries of a send the provider may accept later: the design's 3 tries, exponential backoff, full jitter.

Try n (n = 1, 2) that fails transiently is followed by a sleep drawn uniformly from [0, min(cap, base * 2^(n-1))]
(full jitter: workers throttled together do not retry together). A permanent failure is raised at once, and
the last try's transient failure is raised as it is: the caller then marks the delivery failed and falls
back to the next channel.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from nudge.notifications.outgoing import ChannelSender, OutgoingMessage, TransientSendFailure

TRIES = 3
BASE_DELAY_SECONDS = 1.0  # the design's 1 s, 2 s steps, as upper bounds of the jittered sleeps
MAX_DELAY_SECONDS = 8.0


class RetryingSender:
    def __init__(
        self,
        inner: ChannelSender,
        tries: int = TRIES,
        base_delay: float = BASE_DELAY_SECONDS,
        max_delay: float = MAX_DELAY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self._inner = inner
        self._tries = tries
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._uniform = uniform  # in [0, 1)

    def send(self, message: OutgoingMessage) -> str:
        failed_tries = 0
        while True:
            try:
                return self._inner.send(message)
            except TransientSendFailure:
                failed_tries += 1
                if failed_tries >= self._tries:
                    raise
                self._sleep(self.backoff(failed_tries))

    def backoff(self, failed_tries: int) -> float:
        """The sleep after the `failed_tries`-th failed try."""
        ceiling = min(self._max_delay, self._base_delay * 2.0 ** (failed_tries - 1))
        return self._uniform() * ceiling
