"""A function's settings: each is read from the function's own environment when it is first needed,
never at import, and validated then, with an error that names the missing or invalid variable.

There is no catch-all: a function reads only the variables its own code path uses (each table's
factory reads its table's name), so a variable the template forgot fails that function's tests.
"""

from __future__ import annotations

import os
from datetime import timedelta


class MissingSetting(RuntimeError):
    """The function's environment lacks a variable its code needs: a deployment fault, not the caller's."""


def text(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise MissingSetting(f"environment variable {variable} is not set for this function")
    return value


def optional_text(variable: str) -> str | None:
    """A setting an operator may leave empty (the template declares it all the same); None when empty."""
    return os.environ.get(variable) or None


def whole_number(variable: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise MissingSetting(f"environment variable {variable} must be a whole number, got {raw!r}") from error
    if value < minimum:
        raise MissingSetting(f"environment variable {variable} must be at least {minimum}, got {value}")
    return value


def idempotency_ttl_seconds() -> int:
    """How long an Idempotency-Key replays its first response: a day, so its records need no erasure of
    their own (README, Personal data)."""
    return whole_number("IDEMPOTENCY_TTL_SECONDS", 24 * 3600, minimum=1)


def archetype_cache_ttl() -> timedelta:
    """How long a computed archetype is served without recomputing (ARCHETYPE_CACHE_TTL_HOURS)."""
    return timedelta(hours=whole_number("ARCHETYPE_CACHE_TTL_HOURS", 24, minimum=1))


def recalculation_segments() -> int:
    """Parallel scan segments of the nightly recalculation (RECALCULATION_SEGMENTS)."""
    return whole_number("RECALCULATION_SEGMENTS", 16, minimum=2)


def consent_policy_version() -> str:
    """The privacy policy version a consent change is recorded under (the template's ConsentPolicyVersion)."""
    return text("CONSENT_POLICY_VERSION")
