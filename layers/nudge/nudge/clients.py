"""AWS clients, created on first use and reused across invocations of a warm Lambda.

boto3 reads the region and, for the local emulator, AWS_ENDPOINT_URL from the environment.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient


@cache
def dynamodb() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


@cache
def sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs")


@cache
def secretsmanager() -> SecretsManagerClient:
    import boto3

    return boto3.client("secretsmanager")


@cache
def events() -> EventBridgeClient:
    import boto3

    return boto3.client("events")


@cache
def sesv2() -> Any:
    """SES v2 (the dev group's boto3 stubs do not cover it)."""
    import boto3

    return boto3.client("sesv2")


@cache
def kms() -> Any:  # typed Any: the development environment installs no KMS stubs (boto3-stubs[kms])
    import boto3

    return boto3.client("kms")


@cache
def channel(service: str) -> Any:
    """The client a notification channel sends through (`sesv2`, `sns`, `socialmessaging`), with botocore's own
    retries off: the channel's retry wrapper alone decides (3 tries in total, then the caller falls back), so a
    throttled provider is not called 3 x botocore's attempts. Typed Any: no stubs for these services."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"total_max_attempts": 1}))  # type: ignore[call-overload]


def reset() -> None:
    """Forget every client, so the next call builds one for the current environment."""
    dynamodb.cache_clear()
    sqs.cache_clear()
    secretsmanager.cache_clear()
    events.cache_clear()
    sesv2.cache_clear()
    kms.cache_clear()
    channel.cache_clear()
