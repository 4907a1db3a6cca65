"""Retries (3 tries, exponential backoff with full jitter) and the shared send rate, with time injected."""

from __future__ import annotations

import pytest

from nudge import clients
from nudge.notifications import channels
from nudge.notifications.channels.retrying import RetryingSender
from nudge.notifications.channels.send_rate import RateLimitedSender, SendRateLimiter, configured_rates
from nudge.notifications.outgoing import OutgoingMessage, OutgoingSms, PermanentSendFailure, TransientSendFailure

MESSAGE = OutgoingSms(notification_id="n-1", user_id="bob", to="+14155550100", text="Hi")


class ScriptedSender:
    """Answers each call with the next outcome: an exception to raise or a message id."""

    def __init__(self, *outcomes: str | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def send(self, message: OutgoingMessage) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class CountingTable:
    """The send-rate table's contract (SendRateTable.take), counted in a dict."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, int], int] = {}

    def take(self, channel: str, second: int, limit: int) -> bool:
        taken = self.sent.get((channel, second), 0)
        if taken >= limit:
            return False
        self.sent[(channel, second)] = taken + 1
        return True


def retrying(inner: ScriptedSender, sleeps: list[float], uniform: float = 0.5) -> RetryingSender:
    return RetryingSender(inner, sleep=sleeps.append, uniform=lambda: uniform)


def test_a_transient_failure_is_retried_with_growing_jittered_sleeps_until_it_succeeds() -> None:
    inner = ScriptedSender(TransientSendFailure("throttled"), TransientSendFailure("throttled"), "m-1")
    sleeps: list[float] = []

    assert retrying(inner, sleeps, uniform=0.5).send(MESSAGE) == "m-1"
    assert inner.calls == 3
    assert sleeps == [0.5, 1.0]  # half of 1 s, then half of 2 s


def test_the_third_transient_failure_is_raised_for_the_caller_to_fall_back() -> None:
    last = TransientSendFailure("third")
    inner = ScriptedSender(TransientSendFailure("first"), TransientSendFailure("second"), last)
    sleeps: list[float] = []

    with pytest.raises(TransientSendFailure) as raised:
        retrying(inner, sleeps).send(MESSAGE)
    assert raised.value is last
    assert inner.calls == 3
    assert len(sleeps) == 2


def test_a_permanent_failure_is_never_retried() -> None:
    inner = ScriptedSender(PermanentSendFailure("invalid address"), "never")
    sleeps: list[float] = []

    with pytest.raises(PermanentSendFailure):
        retrying(inner, sleeps).send(MESSAGE)
    assert (inner.calls, sleeps) == (1, [])


def test_backoff_is_full_jitter_under_a_doubling_ceiling_with_a_cap() -> None:
    sender = RetryingSender(ScriptedSender(), base_delay=1.0, max_delay=3.0, uniform=lambda: 0.999)
    assert [round(sender.backoff(tries), 3) for tries in (1, 2, 3, 4)] == [0.999, 1.998, 2.997, 2.997]
    assert RetryingSender(ScriptedSender(), uniform=lambda: 0.0).backoff(2) == 0.0


def test_sends_over_the_rate_wait_for_the_next_second_instead_of_failing() -> None:
    clock = Clock(100.25)
    table = CountingTable()
    limiter = SendRateLimiter(table, {"email": 14, "sms": 2, "whatsapp": 80}, clock=clock, sleep=clock.sleep)

    for _ in range(5):
        limiter.acquire("sms")

    assert table.sent == {("sms", 100): 2, ("sms", 101): 2, ("sms", 102): 1}
    assert clock.sleeps == [0.75, 1.0]
    assert clock.now == 102.0


def test_each_channel_has_its_own_rate() -> None:
    clock = Clock(7.0)
    table = CountingTable()
    limiter = SendRateLimiter(table, {"email": 1, "sms": 1, "whatsapp": 1}, clock=clock, sleep=clock.sleep)

    for channel in ("email", "sms", "whatsapp"):
        limiter.acquire(channel)

    assert clock.sleeps == []
    assert set(table.sent) == {("email", 7), ("sms", 7), ("whatsapp", 7)}


def test_every_try_of_a_retried_send_takes_its_place_in_the_rate() -> None:
    clock = Clock(50.0)
    table = CountingTable()
    limiter = SendRateLimiter(table, {"email": 14, "sms": 10, "whatsapp": 80}, clock=clock, sleep=clock.sleep)
    inner = ScriptedSender(TransientSendFailure("throttled"), "m-2")

    sender = RetryingSender(RateLimitedSender(inner, limiter), sleep=lambda _: None, uniform=lambda: 0.0)

    assert sender.send(MESSAGE) == "m-2"
    assert table.sent == {("sms", 50): 2}


def test_rates_come_from_the_environment_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMS_SEND_RATE_PER_SECOND", raising=False)
    monkeypatch.delenv("WHATSAPP_SEND_RATE_PER_SECOND", raising=False)
    monkeypatch.setenv("EMAIL_SEND_RATE_PER_SECOND", "200")
    assert configured_rates() == {"email": 200, "sms": 20, "whatsapp": 80}
    monkeypatch.setenv("EMAIL_SEND_RATE_PER_SECOND", "0")
    with pytest.raises(RuntimeError, match="EMAIL_SEND_RATE_PER_SECOND"):
        configured_rates()


def test_channel_sender_is_built_once_per_channel_with_retries_over_the_rate_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unit")  # no credential lookup (it would reach the network)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit")
    monkeypatch.setenv("SEND_RATE_TABLE_NAME", "rates")
    monkeypatch.setenv("WHATSAPP_ORIGINATION_PHONE_NUMBER_ID", "phone-number-id-0123")
    channels.reset()
    clients.reset()
    try:
        sender = channels.channel_sender("whatsapp")
        assert sender is channels.channel_sender("whatsapp")
        assert isinstance(sender, RetryingSender)
        assert isinstance(sender._inner, RateLimitedSender)
    finally:
        channels.reset()
        clients.reset()


def test_a_sender_without_its_settings_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHATSAPP_ORIGINATION_PHONE_NUMBER_ID", raising=False)
    with pytest.raises(RuntimeError, match="WHATSAPP_ORIGINATION_PHONE_NUMBER_ID"):
        channels.provider_sender("whatsapp")
