"""Nightly recalculation throughput: one worker, every segment in turn, against moto.

Users get signal aggregates with one BatchWriteItem per 25 users, items encoded by the behavior
table itself (`_seed_signals`): going through ingestion's transactions would make moto copy the whole
table for every user. Then a run is
started and its queue drained by one worker in this process, twice: the first run recalculates
and writes everyone, the second finds everyone fresh and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from nudge.behavior.behavior_table import BehaviorTable
from nudge.behavior.signals import SignalAggregates
from nudge.item_codec import put_all
from nudge.jobs.archetype_recalculation import RecalculationPorts, process_message, start_run
from nudge.jobs.job_table import JobTable
from nudge.jobs.recalculation_queue import RecalculationMessage, RecalculationQueue

WRITE_CALLS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _aggregates(index: int, now: datetime) -> SignalAggregates:
    """Varied users: spenders, flexible users and everything between, so every archetype occurs."""
    offers = 2 + index % 7
    accepted = index % 5
    return SignalAggregates(
        version=1,
        events_count=offers + accepted + 2,
        requests_created=offers,
        offers_above_list=index % (offers + 1),
        offer_to_list_ratio_total=Decimal(offers) * Decimal("0.9") + Decimal(index % 4) / 10,
        transaction_value_totals={"USD": Decimal(150 * offers + 40 * (index % 11))},
        transaction_counts={"USD": offers},
        answers_accepted=accepted,
        answers_rejected=1,
        answers_countered=1,
        response_time_total_seconds=(accepted + 2) * (300 + 900 * (index % 9)),
        accommodations=index % 3,
        first_event_at=now - timedelta(days=90),
        last_event_at=now - timedelta(days=index % 30),
        updated_at=now,
    )


def _seed_signals(behavior: BehaviorTable, dynamodb: Any, aggregates: list[tuple[str, SignalAggregates]]) -> None:
    """Bulk-write users' aggregates unconditionally. Benchmark-only, so it reaches into the table's own
    item encoding (the transaction element's item) rather than giving the product a writer nothing else calls."""
    items = [behavior.signals_put(user_id, 0, data)["Put"]["Item"] for user_id, data in aggregates]
    unwritten = put_all(dynamodb, behavior._table, items)
    if unwritten:
        raise RuntimeError(f"{len(unwritten)} users' aggregates were not written")


def _drain(ports: RecalculationPorts, sqs: Any, queue_url: str) -> None:
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        for message in messages:
            process_message(ports, RecalculationMessage.model_validate_json(message["Body"]), lambda: 900_000)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def job_throughput(
    template: Any, emulator: Any, meter: Any, users: int, segments: int, clock: Callable[[], datetime]
) -> None:
    dynamodb, sqs = emulator.client("dynamodb"), emulator.client("sqs")
    meter.attach(dynamodb)
    queue_url = sqs.get_queue_url(QueueName=template.physical_name("ArchetypeRecalculationQueue"))["QueueUrl"]
    behavior = BehaviorTable(template.ref("BehaviorTable"), dynamodb, timedelta(days=400))
    ports = RecalculationPorts(
        behavior=behavior,
        jobs=JobTable(template.ref("JobTable"), dynamodb),
        queue=RecalculationQueue(queue_url, sqs),
        ttl=timedelta(hours=24),
        clock=clock,
    )
    now = datetime.now(UTC)
    _seed_signals(behavior, dynamodb, [(f"job-user-{index:07d}", _aggregates(index, now)) for index in range(users)])
    print(f"\nNightly recalculation: {users} users, {segments} segments, one worker draining the queue, moto")
    print("own = wall time minus the time inside DynamoDB calls (moto's scan re-sorts the index on every page)")
    print(f"{'run':<28}{'wall s':>8}{'users/min':>11}{'own s':>8}{'own users/min':>15}  writes per 1,000 users")
    for label in ("first (all stale)", "second (all fresh)"):
        meter.reset()
        started = time.perf_counter()
        outcome = start_run(ports, segments, trigger="benchmark")
        _drain(ports, sqs, queue_url)
        wall = time.perf_counter() - started
        own = wall - meter.seconds
        run = ports.jobs.get_run("archetype_recalculation", outcome.run_id)
        if run is None or run.status != "completed" or run.counts.users_scanned != users:
            raise RuntimeError(f"the run did not complete over every user: {run}")
        writes = [call for call in meter.calls if call in WRITE_CALLS]
        per_thousand = len(writes) * 1000 / users
        print(
            f"{label:<28}{wall:>8.1f}{users / wall * 60:>11,.0f}{own:>8.1f}{users / own * 60:>15,.0f}"
            f"  {per_thousand:.1f} (changed {run.counts.changed}, {_breakdown(writes)})"
        )


def _breakdown(calls: list[str]) -> str:
    return ", ".join(f"{name} {calls.count(name)}" for name in sorted(set(calls)))
