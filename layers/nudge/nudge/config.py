"""Settings read from the function's environment, once, on first use (never at import)."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable
    from functools import _lru_cache_wrapper

_CACHED_SETTINGS: list[_lru_cache_wrapper[Any]] = []


def cached_settings[R](read: Callable[[], R]) -> _lru_cache_wrapper[R]:
    """Read settings once per process (functools.cache), and register the cache with forget_settings()."""
    cached = cache(read)
    _CACHED_SETTINGS.append(cached)
    return cached


def forget_settings() -> None:
    """Clear every cached settings function, so the next read sees the current environment.

    A Lambda process belongs to one function, so this never runs there; the local runtime, which runs
    every function in one process, calls it whenever it switches the environment to another function's.
    """
    for cached in _CACHED_SETTINGS:
        cached.cache_clear()


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


@cached_settings
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
