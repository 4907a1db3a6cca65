"""Structured logging and CloudWatch metrics (Powertools), configured by the POWERTOOLS_* variables.

Both are created on first use, not at import, so they pick up the function's environment
whenever the module happened to be imported.

Every log line carries the invocation's correlation id (the API Gateway request id, the
EventBridge event id; the SQS worker sets each message's id) and is redacted before it is
written: no bearer token, JWT, email address or phone number reaches the logs, wherever in the
line it sits (a message, an extra field, an exception's traceback, a logged event).

Metrics carry only the service dimension Powertools adds: never a user id or anything else
with many values, which would make a metric per user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache, wraps
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.logging.types import LogRecord

Handler = Callable[[dict[str, Any], Any], Any]

REDACTED = "[REDACTED]"
# Keys whose whole value is a credential, whatever it looks like.
_SECRET_KEYS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key"})
# As text: `re` compiles it when the first log line is written (and caches it), not at every cold start.
_SENSITIVE = (
    r"\bbearer\s+[\w.~+/=-]+"  # an Authorization header's credentials
    r"|\beyJ[\w-]*\.[\w-]+\.[\w-]*"  # a JWT on its own
    r"|[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}"  # an email address
    r"|\+\d[\d ().-]{6,}\d"  # an international phone number (+44 20 7946 0958)
    r"|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b"  # a North American one ((415) 555-0100); bare digit runs are ids
)


def redact(value: Any) -> Any:
    """The value with every credential, email address and phone number replaced, at any depth."""
    if isinstance(value, str):
        return re.sub(_SENSITIVE, REDACTED, value, flags=re.IGNORECASE)
    if isinstance(value, Mapping):
        return {key: REDACTED if str(key).lower() in _SECRET_KEYS else redact(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(inner) for inner in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))  # what the JSON serializer would write (str), redacted first


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON log line, redacted as a structure (not as text, which could break its JSON)."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize(log=redact(log))


@cache
def logger() -> Logger:
    return Logger(logger_formatter=RedactingFormatter())


@cache
def metrics() -> Metrics:
    # Imported on first use: most requests record no metric, and then pay nothing for Metrics.
    from aws_lambda_powertools import Metrics

    return Metrics()


def correlation_id(event: Mapping[str, Any]) -> str | None:
    """The id that ties an invocation's log lines to what caused it: the API Gateway request id, or the
    EventBridge event id (rules and schedules). An SQS batch has one per message, set per record."""
    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping) and request_context.get("requestId"):
        return str(request_context["requestId"])
    if event.get("detail-type") is not None and event.get("id"):
        return str(event["id"])
    return None


def observed(handler: Handler, log_event: bool | None = None) -> Handler:
    """A Lambda handler with the request context and correlation id in every log line and its metrics
    flushed at the end (only when it recorded any: a read-only request has none, and that is not worth a
    warning). `log_event` None leaves logging the event to POWERTOOLS_LOGGER_LOG_EVENT; False never logs it."""
    instrumented: Handler | None = None

    @wraps(handler)
    def wrapper(event: dict[str, Any], context: Any) -> Any:
        nonlocal instrumented
        if instrumented is None:
            instrumented = logger().inject_lambda_context(handler, log_event=log_event)
        logger().set_correlation_id(correlation_id(event))
        try:
            return instrumented(event, context)
        finally:
            if metrics.cache_info().currsize and metrics().metric_set:
                metrics().flush_metrics()

    return wrapper
