"""Idempotency-Key support for write endpoints (Powertools idempotency, DynamoDB persistence).

The key is scoped by caller and route, so two users (or two endpoints) never share one; the
request body is validated, so the same key with another body is refused rather than replayed.
Records live in the caller's partition of the idempotency table (`nudge.api.idempotency_table`),
so a user's records can be exported and erased.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel

from nudge import clients, config
from nudge.api import idempotency_table
from nudge.api.call import IDEMPOTENCY_HEADER, ApiCall
from nudge.errors import Conflict, IdempotencyKeyReused, InvalidInput

MAX_KEY_LENGTH = 128


@cache
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[caller, route, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=config.idempotency_ttl_seconds(),
    )


def _runner(caller: str) -> Callable[..., dict[str, Any]]:
    """Per caller: the persistence layer's partition is the caller's (building one costs microseconds)."""
    persistence = DynamoDBPersistenceLayer(
        table_name=config.text("IDEMPOTENCY_TABLE_NAME"),
        boto3_client=clients.dynamodb(),
        key_attr=idempotency_table.KEY_ATTRIBUTE,
        sort_key_attr=idempotency_table.SORT_KEY_ATTRIBUTE,
        static_pk_value=idempotency_table.partition(caller),
    )

    def run(request: dict[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return action()

    decorate = idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_config())
    runner: Callable[..., dict[str, Any]] = decorate(run)
    return runner


def _validated_key(key: str) -> str:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"must be 1 to {MAX_KEY_LENGTH} printable characters", field=IDEMPOTENCY_HEADER)
    return key


def idempotent[Result: BaseModel](
    call: ApiCall,
    key: str,
    body: BaseModel | None,
    action: Callable[[], Result],
    result_type: type[Result],
) -> Result:
    """Run `action` once per (caller, route, key); a replay returns the first response."""
    request = {
        "caller": call.actor.user_id,
        "route": call.route_key,
        "key": _validated_key(key),
        "body": body.model_dump(mode="json") if body else None,
    }
    _config().register_lambda_context(call.context)
    try:
        stored = _runner(call.actor.user_id)(request=request, action=lambda: action().model_dump(mode="json"))
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused("already used with a different request body", field=IDEMPOTENCY_HEADER) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict(
            "a request with this Idempotency-Key is still being processed", field=IDEMPOTENCY_HEADER
        ) from error
    return result_type.model_validate(stored)
