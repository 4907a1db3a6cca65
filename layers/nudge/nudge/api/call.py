"""The verified facts of one HTTP request that are not its body or path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from nudge.users.actor import Actor

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ApiCall(NamedTuple):
    actor: Actor
    headers: Mapping[str, str]
    route_key: str
    context: Any
