"""The library floor of the cold-start benchmark: get_user_signals' floor (one GetItem, plain boto3) with what
every Nudge handler needs from its required libraries and nothing of Nudge: a pydantic v2 model for the path
and one for the response, built on first use, and Powertools' Logger around the handler.

Its ratio to the plain-boto3 floor is what those libraries alone cost at cold start; the difference between a
Nudge handler and it is Nudge's own code.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field


class UserPath(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    user_id: str = Field(min_length=1, max_length=128)


class Signals(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    user_id: str
    version: int | None = None


@cache
def _logger() -> Logger:
    return Logger()


@cache
def _dynamodb() -> Any:
    import boto3

    return boto3.client("dynamodb")


def _signals(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = UserPath.model_validate(event["pathParameters"])
    key = {"pk": {"S": f"USER#{path.user_id}"}, "sk": {"S": "SIGNALS"}}
    table = os.environ.get("BEHAVIOR_TABLE_NAME", "")
    item = _dynamodb().get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
    signals = Signals(user_id=path.user_id, version=item.get("version", {}).get("N"))
    return {"statusCode": 200, "body": signals.model_dump_json()}


def get_user_signals(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result: dict[str, Any] = _logger().inject_lambda_context(_signals)(event, context)
    return result
