"""Idempotency-Key support for write endpoints (Powertools idempotency, DynamoDB persistence).

The key is scoped by caller and route, so two users (or two endpoints) never share one; the
request body is validated, so the same key with another body is refused rather than replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel

from nudge import clients
from nudge.auth import Caller
from nudge.config import require, settings
from nudge.errors import InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128


@cache
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[caller, route, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=settings().idempotency_ttl_seconds,
    )


@cache
def _runner() -> Callable[..., dict[str, Any]]:
    persistence = DynamoDBPersistenceLayer(
        table_name=require(settings().idempotency_table_name, "IDEMPOTENCY_TABLE_NAME"),
        boto3_client=clients.dynamodb(),
    )

    def run(request: dict[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return action()

    decorate = idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_config())
    runner: Callable[..., dict[str, Any]] = decorate(run)
    return runner


def _validated_key(key: str) -> str:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"must be 1 to {MAX_KEY_LENGTH} printable characters", field=HEADER)
    return key


def idempotent[Result: BaseModel](
    app: APIGatewayHttpResolver,
    caller: Caller,
    key: str | None,
    body: BaseModel,
    action: Callable[[], Result],
    result_type: type[Result],
) -> Result:
    """Run `action` once per (caller, route, key); a replay returns the first response."""
    if key is None:
        return action()
    _config().register_lambda_context(app.lambda_context)
    request = {
        "caller": caller.user_id,
        "route": app.current_event.route_key,
        "key": _validated_key(key),
        "body": body.model_dump(mode="json"),
    }
    stored = _runner()(request=request, action=lambda: action().model_dump(mode="json"))
    return result_type.model_validate(stored)
