"""Log lines as a function writes them: a correlation id on each, and nothing that identifies or
authenticates a person (token, email address, phone number), wherever it appears in the line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext
from nudge.observability import REDACTED, logger, metrics, observed, redact

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"  # noqa: S105 - a made-up JWT
EMAIL = "alice.smith+nudge@example.co.uk"
PHONES = ("+44 20 7946 0958", "+14155550100", "(415) 555-0100", "415.555.0100")


class Capture:
    def __init__(self, buffer: io.StringIO) -> None:
        self._buffer = buffer

    @property
    def text(self) -> str:
        return self._buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _no_pending_metrics() -> None:
    """Other unit tests record metrics outside any handler; the handlers here must not flush them."""
    if metrics.cache_info().currsize:
        metrics().clear_metrics()


@pytest.fixture
def logs() -> Iterator[Capture]:
    """What the function's logger writes (to stdout in Lambda), captured."""
    handler = logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield Capture(buffer)
    handler.setStream(previous)


def _context() -> LambdaContext:
    return LambdaContext(function_name="TestFunction", memory_limit_in_mb=512, timeout_seconds=10)


def _api_event(request_id: str = "req-7f3a") -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "GET /v1/users/{user_id}/signals",
        "rawPath": f"/v1/users/{EMAIL}/signals",
        "headers": {"authorization": f"Bearer {TOKEN}", "x-contact": f"call {PHONES[0]}"},
        "pathParameters": {"user_id": EMAIL},
        "requestContext": {"requestId": request_id, "timeEpoch": 1793525400000},
        "body": json.dumps({"note": f"reach me at {PHONES[2]} or {PHONES[3]}", "phone": PHONES[1]}),
    }


@observed
def _logs_once(event: dict[str, Any], context: Any) -> str:
    logger().info("working")
    return "done"


def test_every_line_carries_the_api_gateway_request_id(logs: Capture) -> None:
    _logs_once(_api_event("req-1"), _context())
    [line] = logs.lines()
    assert line["correlation_id"] == "req-1"
    assert line["function_name"] == "TestFunction"


def test_an_eventbridge_event_is_correlated_by_its_id_and_nothing_is_carried_over(logs: Capture) -> None:
    _logs_once({"id": "evt-1", "detail-type": "Scheduled Event", "detail": {}}, _context())
    _logs_once({"trigger": "manual"}, _context())  # invoked by hand: no id of its own
    first, second = logs.lines()
    assert first["correlation_id"] == "evt-1"
    assert "correlation_id" not in second


def test_no_line_carries_a_token_an_email_or_a_phone_number(logs: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")  # an operator debugging: the whole event is logged

    @observed
    def failing(event: dict[str, Any], context: Any) -> None:
        logger().info("looking up", extra={"user_id": EMAIL, "credentials": TOKEN, "contacts": list(PHONES)})
        try:
            raise LookupError(f"no profile for {EMAIL} ({PHONES[1]})")
        except LookupError:
            logger().exception("lookup failed")

    failing(_api_event(), _context())

    lines = logs.lines()  # still JSON, line by line
    assert len(lines) == 3  # the event, the extra fields, the exception
    for secret in (TOKEN, EMAIL, "Bearer", "example.co.uk", *PHONES, "7946", "555"):
        assert secret not in logs.text, secret
    event, looked_up, failed = lines
    assert event["message"]["headers"]["authorization"] == REDACTED
    assert event["message"]["pathParameters"] == {"user_id": REDACTED}
    assert looked_up["user_id"] == REDACTED
    assert looked_up["contacts"] == [REDACTED] * 4
    assert "LookupError: no profile for [REDACTED] ([REDACTED])" in failed["exception"]
    assert all(line["correlation_id"] == "req-7f3a" for line in lines)


def test_ids_dates_amounts_and_addresses_are_left_alone() -> None:
    kept = {
        "request_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "run_id": "20261101T020000.123456Z-ab12cd34",
        "occurred_at": "2026-11-01T09:30:00+00:00",
        "time": "01/Nov/2026:09:30:00 +0000",
        "epoch_ms": 1793525400000,
        "amount": "2835.00",
        "source_ip": "203.0.113.12",
        "user_id": "auth0|64f1c2d3e4b5a6978899aabb",
        "route": "GET /v1/users/{user_id}/signals",
    }
    assert redact(kept) == kept


def test_credentials_are_redacted_by_key_whatever_they_look_like() -> None:
    assert redact({"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Cookie": "session=abc"}) == {
        "Authorization": REDACTED,
        "Cookie": REDACTED,
    }
