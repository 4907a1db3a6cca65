"""Settings read from the function's environment, once, on first use (never at import)."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from typing import NamedTuple


class Settings(NamedTuple):
    behavior_table_name: str
    idempotency_table_name: str
    recommendation_table_name: str
    audit_table_name: str
    job_table_name: str
    recalculation_queue_url: str
    pricing_table_name: str
    anchoring_table_name: str
    event_retention_days: int
    idempotency_ttl_seconds: int
    archetype_cache_ttl_hours: int
    recalculation_segments: int
    pricing_catalog_max_age_seconds: int


@cache
def settings() -> Settings:
    environ = os.environ
    return Settings(
        behavior_table_name=environ.get("BEHAVIOR_TABLE_NAME", ""),
        idempotency_table_name=environ.get("IDEMPOTENCY_TABLE_NAME", ""),
        recommendation_table_name=environ.get("RECOMMENDATION_TABLE_NAME", ""),
        audit_table_name=environ.get("AUDIT_TABLE_NAME", ""),
        job_table_name=environ.get("JOB_TABLE_NAME", ""),
        recalculation_queue_url=environ.get("RECALCULATION_QUEUE_URL", ""),
        pricing_table_name=environ.get("PRICING_TABLE_NAME", ""),
        anchoring_table_name=environ.get("ANCHORING_TABLE_NAME", ""),
        event_retention_days=int(environ.get("EVENT_RETENTION_DAYS", "400")),
        idempotency_ttl_seconds=int(environ.get("IDEMPOTENCY_TTL_SECONDS", "86400")),
        archetype_cache_ttl_hours=int(environ.get("ARCHETYPE_CACHE_TTL_HOURS", "24")),
        recalculation_segments=int(environ.get("RECALCULATION_SEGMENTS", "16")),
        pricing_catalog_max_age_seconds=int(environ.get("PRICING_CATALOG_MAX_AGE_SECONDS", "60")),
    )


def require(value: str, variable: str) -> str:
    """A setting a function needs, or a clear error naming the missing environment variable."""
    if not value:
        raise RuntimeError(f"environment variable {variable} is not set for this function")
    return value


def archetype_cache_ttl() -> timedelta:
    """How long a computed archetype is served without recomputing (ARCHETYPE_CACHE_TTL_HOURS)."""
    return timedelta(hours=settings().archetype_cache_ttl_hours)
