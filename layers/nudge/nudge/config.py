"""Settings read from the function's environment, once, on first use (never at import)."""

from __future__ import annotations

import os
from functools import cache
from typing import NamedTuple


class Settings(NamedTuple):
    behavior_table_name: str
    idempotency_table_name: str
    event_retention_days: int
    idempotency_ttl_seconds: int


@cache
def settings() -> Settings:
    return Settings(
        behavior_table_name=os.environ.get("BEHAVIOR_TABLE_NAME", ""),
        idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME", ""),
        event_retention_days=int(os.environ.get("EVENT_RETENTION_DAYS", "400")),
        idempotency_ttl_seconds=int(os.environ.get("IDEMPOTENCY_TTL_SECONDS", "86400")),
    )


def require(value: str, variable: str) -> str:
    """A setting a function needs, or a clear error naming the missing environment variable."""
    if not value:
        raise RuntimeError(f"environment variable {variable} is not set for this function")
    return value
