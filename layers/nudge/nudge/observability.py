"""Structured logging and CloudWatch metrics (Powertools), configured by the POWERTOOLS_* variables.

Both are created on first use, not at import, so they pick up the function's environment
whenever the module happened to be imported.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

Handler = Callable[[dict[str, Any], Any], Any]


@cache
def logger() -> Logger:
    return Logger()


@cache
def metrics() -> Metrics:
    # Imported on first use: most requests record no metric, and then pay nothing for Metrics.
    from aws_lambda_powertools import Metrics

    return Metrics()


def observed(handler: Handler) -> Handler:
    """A Lambda handler with the request context in every log line and its metrics flushed at the end
    (only when it recorded any: a read-only request has none, and that is not worth a warning)."""
    instrumented: Handler | None = None

    @wraps(handler)
    def wrapper(event: dict[str, Any], context: Any) -> Any:
        nonlocal instrumented
        if instrumented is None:
            instrumented = logger().inject_lambda_context(handler)
        try:
            return instrumented(event, context)
        finally:
            if metrics.cache_info().currsize and metrics().metric_set:
                metrics().flush_metrics()

    return wrapper
