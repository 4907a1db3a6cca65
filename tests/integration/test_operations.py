"""What the alarms and logs rely on, from the functions as they run: the business metrics in the EMF
output (name, namespace, the service dimension only) and a correlation id per queue message."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext
from local_runtime.runtime import LocalStack
from nudge.jobs.archetype_recalculation import process_message
from nudge.observability import logger, observed
from tests.alarms import metrics_namespace, nudge_metrics_alarmed_on
from tests.integration.conftest import Api
from tests.integration.test_recalculation_job import isolated_jobs, plenty


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The Embedded Metric Format documents among a function's output lines."""
    documents = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def emitted(documents: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Every metric's values, after checking each document's namespace and dimensions."""
    values: dict[str, list[float]] = {}
    for document in documents:
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Nudge/nudge-local"
        assert directive["Dimensions"] == [["service"]]  # nothing per user, booking or request
        assert document["service"] == "nudge"
        for metric in directive["Metrics"]:
            value = document[metric["Name"]]
            values.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return values


@pytest.fixture
def logger_ready() -> None:
    """The function logger, created before a test captures output: its handler keeps the stream it was
    created with, and a captured stream closes with its test."""
    logger()


def _recalculation_worker(stack: LocalStack) -> Any:
    """The worker's one message of a run over tables of its own, one user of which cannot be recalculated."""
    jobs = isolated_jobs(stack)
    jobs.seed(2)
    jobs.corrupt_signals("broken")
    jobs.start(segments=1)
    (segment,) = jobs.receive()
    worker = observed(lambda event, context: process_message(jobs.ports, segment.message, plenty))
    return lambda: worker({}, LambdaContext("RecalculateArchetypesFunction", 1024, 900))


def test_every_metric_a_business_alarm_watches_is_emitted_without_user_dimensions(
    stack: LocalStack, api: Api, user: str, logger_ready: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.template.resolve(metrics_namespace(stack.template)) == "Nudge/nudge-local"
    work_the_run = _recalculation_worker(stack)
    capsys.readouterr()  # what came before is not this test's traffic

    recommendation = api.call(
        "POST",
        "/v1/transaction-recommendations",
        {"listing_id": "listing-42", "nightly_price": 315, "nights": 6, "days_until_check_in": 5},
        user=user,
    )
    selected = api.call(
        "POST",
        f"/v1/recommendations/{recommendation.body['recommendation_id']}/selection",
        {"selected_option": recommendation.body["primary_recommendation"]},
        user=user,
    )
    offered = api.call(
        "POST", "/v1/pricing-tiers", {"base_price": 450, "anchor_price": 2835, "booking_id": "b-1"}, user=user
    )
    tier = {"booking_id": "b-1", "tier_id": "recommended", "base_price": 450, "anchor_price": 2835, "platform_fee": 5}
    chosen = api.call("POST", "/v1/tier-selections", tier, user=user)
    again = api.call("POST", "/v1/tier-selections", tier, user=user)  # the same selection: not counted twice
    assert work_the_run() == "run done"

    assert [answer.status for answer in (recommendation, selected, offered, chosen, again)] == [200] * 5
    output = capsys.readouterr().out
    values = emitted(emf_lines(output))
    assert values["RecommendationImpressions"] == [1]
    assert values["RecommendationSelections"] == [1]
    assert values["RecommendationsFollowed"] == [1]
    assert values["TierImpressions"] == [1]
    assert values["TierSelections"] == [1]
    assert values["SavingsPercentage"] == [83.95]  # 455.00 against 2835: saves 2380.00
    assert values["RecalculationFailedUsers"] == [1]
    assert values["RecalculationCompleted"] == [1]
    assert nudge_metrics_alarmed_on(stack.template) <= set(values)
    assert user not in output


def test_each_queue_message_is_the_correlation_id_of_what_the_worker_logs(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = stack.function("recalculate_archetypes")

    def logging_only(ports: Any, message: Any, time_left: Any) -> str:
        logger().info("working", extra={"segment": message.segment})
        return "done"

    monkeypatch.setattr(worker.module, "process_message", logging_only)
    handler = logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        worker.invoke({"Records": [_record("msg-a", segment=0), _record("msg-b", segment=1)]})
    finally:
        handler.setStream(previous)

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    # Each message's own line, then the batch's "message handled" line for it, under the same id.
    assert [(line["message"], line.get("segment"), line["correlation_id"]) for line in lines] == [
        ("working", 0, "msg-a"),
        ("message handled", None, "msg-a"),
        ("working", 1, "msg-b"),
        ("message handled", None, "msg-b"),
    ]


def _record(message_id: str, segment: int) -> dict[str, Any]:
    body = {"run_id": "run-1", "segment": segment, "total_segments": 2}
    return {"messageId": message_id, "receiptHandle": message_id, "body": json.dumps(body), "eventSource": "aws:sqs"}
