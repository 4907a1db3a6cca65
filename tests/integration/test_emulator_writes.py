"""The emulator keeps DynamoDB's promise that a write is never lost to another request's cancelled
transaction (moto alone restores each table a failed transaction touched from a copy taken at its start)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from local_runtime.runtime import LocalStack
from local_runtime.template import Template

TRANSACTIONS = 240


def test_concurrent_counter_transactions_lose_nothing_to_cancelled_ones(stack: LocalStack) -> None:
    dynamodb = stack.emulator.client("dynamodb")
    table = Template.load().ref("SurveyAnalyticsTable")
    counter = {"pk": {"S": f"SURVEY#writes-{uuid4().hex[:8]}"}, "sk": {"S": "FUNNEL"}}

    def transaction(index: int) -> str:
        """Every other one is cancelled by a condition on an item that does not exist."""
        items: list[Any] = [
            {
                "Update": {
                    "TableName": table,
                    "Key": counter,
                    "UpdateExpression": "ADD survey_started :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ]
        if index % 2:
            missing = {"pk": {"S": f"SURVEY#missing-{index}"}, "sk": {"S": "FUNNEL"}}
            items.append(
                {"ConditionCheck": {"TableName": table, "Key": missing, "ConditionExpression": "attribute_exists(pk)"}}
            )
        try:
            dynamodb.transact_write_items(TransactItems=items)
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "written"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = Counter(pool.map(transaction, range(TRANSACTIONS)))

    stored = dynamodb.get_item(TableName=table, Key=counter, ConsistentRead=True)["Item"]
    assert outcomes == {"written": TRANSACTIONS // 2, "TransactionCanceledException": TRANSACTIONS // 2}
    assert int(stored["survey_started"]["N"]) == TRANSACTIONS // 2


def test_the_emulator_keeps_no_copy_of_the_tables_a_transaction_touched(stack: LocalStack) -> None:
    from moto.core.model_instances import model_data

    dynamodb = stack.emulator.client("dynamodb")
    table = Template.load().ref("SurveyAnalyticsTable")
    counter = {"pk": {"S": f"SURVEY#copies-{uuid4().hex[:8]}"}, "sk": {"S": "FUNNEL"}}
    update = {"TableName": table, "Key": counter, "UpdateExpression": "ADD survey_started :one"}
    for _ in range(30):
        dynamodb.transact_write_items(
            TransactItems=[{"Update": update | {"ExpressionAttributeValues": {":one": {"N": "1"}}}}]
        )

    # moto alone keeps a copy of the table (and of each of its items) per transaction, for its dashboard.
    kept = {name: len(getattr(model, "instances_tracked", [])) for name, model in model_data["dynamodb"].items()}
    assert sum(kept.values()) == 0, kept
