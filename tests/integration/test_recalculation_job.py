"""The nightly archetype recalculation against moto: counts, checkpoints, the lock, retries, the DLQ.

Runs that need exact counts get tables and a queue of their own (another stack name provisioned in
the session's emulator) and are driven the way SQS would: `start_run`, then every queued message
received, processed and deleted on success, left visible again on failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import uuid4

import pytest
from pydantic import ValidationError

from local_runtime.emulator import provision
from local_runtime.runtime import LocalStack
from local_runtime.template import Template
from nudge.audit.audit_table import AuditTable
from nudge.audit.records import AuditRecord
from nudge.behavior.behavior_table import BehaviorTable, StatesPage, behavior_table
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_tables import IngestionTables
from nudge.catalog.catalog_table import CatalogTable
from nudge.defaults.archetype_items import archetype_attributes, load_user_state, override_attributes, user_state
from nudge.defaults.archetype_state import ArchetypeOverride, StoredArchetype, UserState, compute
from nudge.jobs import archetype_recalculation
from nudge.jobs.archetype_recalculation import (
    LOCK_LEASE_SECONDS,
    RecalculationPorts,
    StartOutcome,
    process_message,
    start_run,
)
from nudge.jobs.job_models import RECALCULATION_JOB, JobCounts, JobRun, Segment
from nudge.jobs.job_table import JobTable
from nudge.jobs.recalculation_queue import RecalculationMessage, RecalculationQueue
from nudge.observability import metrics
from nudge.profiles.profile_table import ProfileTable
from tests.builders import NOW, answered, created, event
from tests.integration.conftest import Api

PLENTY_MS = 900_000
TTL = timedelta(hours=24)


def plenty() -> int:
    return PLENTY_MS


class Clock:
    """Every reading moves on a little, so a run has a duration."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=250)
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class Delivery(NamedTuple):
    message: RecalculationMessage
    receipt: str


@dataclass
class Jobs:
    """An isolated set of the job's resources and the ports over them."""

    template: Template
    ports: RecalculationPorts
    clock: Clock
    dynamodb: Any
    sqs: Any
    queue_url: str

    @property
    def behavior(self) -> BehaviorTable:
        return self.ports.behavior

    def seed(self, count: int) -> list[str]:
        users = [f"user-{index:03d}" for index in range(count)]
        for index, user in enumerate(users):
            outcome = "accepted" if index % 2 else "rejected"
            self.ingest(user, [created(f"{user}-r"), answered(f"{user}-a", outcome)])
        return users

    def ingest(self, user: str, events: Sequence[dict[str, Any]]) -> None:
        profiles = ProfileTable(self.template.ref("ProfileTable"), self.dynamodb)
        catalog = CatalogTable(self.template.ref("CatalogTable"), self.dynamodb)
        tables = IngestionTables(self.behavior, profiles, catalog, self.dynamodb)
        ingest_events(tables, user, [event(payload) for payload in events], NOW)
        metrics().clear_metrics()  # test data is not traffic: keep it out of the next function's metrics

    def start(self, segments: int) -> str:
        outcome = start_run(self.ports, segments, "test")
        assert outcome.started
        return outcome.run_id

    def receive(self) -> list[Delivery]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [Delivery(RecalculationMessage.model_validate_json(m["Body"]), m["ReceiptHandle"]) for m in messages]

    def receive_all(self) -> list[Delivery]:
        received: list[Delivery] = []
        while batch := self.receive():
            received += batch
        return received

    def ack(self, delivery: Delivery) -> None:
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=delivery.receipt)

    def release(self, delivery: Delivery) -> None:
        """What SQS does when the worker fails: the message becomes visible again."""
        self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=delivery.receipt, VisibilityTimeout=0)

    def work(self, ports: RecalculationPorts | None = None, time_left: Callable[[], int] = plenty) -> list[str]:
        """Process the queue until it is empty (new messages included), like the SQS poller."""
        outcomes: list[str] = []
        while batch := self.receive():
            for delivery in batch:
                outcomes.append(process_message(ports or self.ports, delivery.message, time_left))
                self.ack(delivery)
        return outcomes

    def run(self, segments: int) -> JobRun:
        run_id = self.start(segments)
        self.work()
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> JobRun:
        run = self.ports.jobs.get_run(RECALCULATION_JOB, run_id)
        assert run is not None
        return run

    def segment(self, run_id: str, index: int = 0) -> Segment:
        segment = self.ports.jobs.get_segment(run_id, index)
        assert segment is not None
        return segment

    def state(self, user: str) -> UserState:
        return load_user_state(self.behavior, user)

    def stored(self, users: Sequence[str]) -> dict[str, StoredArchetype | None]:
        return {user: self.state(user).stored for user in users}

    def corrupt_signals(self, user: str) -> None:
        """A SIGNALS item the decoder refuses (a version that is not a number)."""
        item = {
            "pk": {"S": f"USER#{user}"},
            "sk": {"S": "SIGNALS"},
            "state_user_id": {"S": user},
            "version": {"S": "not-a-number"},
        }
        self.dynamodb.put_item(TableName=self.template.ref("BehaviorTable"), Item=item)


def isolated_jobs(stack: LocalStack) -> Jobs:
    template = Template.load(stack_name=f"jobs-{uuid4().hex[:8]}")
    provision(stack.emulator, template)
    dynamodb, sqs = stack.emulator.client("dynamodb"), stack.emulator.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=template.physical_name("ArchetypeRecalculationQueue"))["QueueUrl"]
    clock = Clock(NOW + timedelta(hours=1))
    ports = RecalculationPorts(
        behavior=BehaviorTable(template.ref("BehaviorTable"), dynamodb, timedelta(days=400)),
        jobs=JobTable(template.ref("JobTable"), dynamodb),
        queue=RecalculationQueue(queue_url, sqs),
        ttl=TTL,
        clock=clock,
    )
    return Jobs(template, ports, clock, dynamodb, sqs, queue_url)


@pytest.fixture
def jobs(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Jobs:
    monkeypatch.setattr(archetype_recalculation, "PAGE_SIZE", 2)
    return isolated_jobs(stack)


class _Crashing(BehaviorTable):
    """Records every scan's start key; raises on the `crash_on`-th scan or save until disarmed."""

    def __init__(self, table: BehaviorTable, where: str, crash_on: int) -> None:
        super().__init__(table._table, table._client, table._retention)
        self.start_keys: list[str] = []
        self._where = where
        self._crash_on = crash_on
        self._saves = 0

    def disarm(self) -> None:
        self._crash_on = 0

    def user_states(self, segment: int, total_segments: int, start_after: str, limit: int) -> StatesPage:
        self.start_keys.append(start_after)
        if self._where == "scan" and len(self.start_keys) == self._crash_on:
            raise RuntimeError("worker crashed")
        return super().user_states(segment, total_segments, start_after, limit)

    def save_archetypes(self, computed: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        self._saves += 1
        if self._where == "save" and self._saves == self._crash_on:
            raise RuntimeError("worker crashed")
        return super().save_archetypes(computed)


class _Interleaved(BehaviorTable):
    """Lets a duplicate delivery of the same message run to the end just after this worker's first scan."""

    def __init__(self, table: BehaviorTable, duplicate: Callable[[], str]) -> None:
        super().__init__(table._table, table._client, table._retention)
        self._duplicate = duplicate
        self.duplicate_outcome: str | None = None

    def user_states(self, segment: int, total_segments: int, start_after: str, limit: int) -> StatesPage:
        page = super().user_states(segment, total_segments, start_after, limit)
        if self.duplicate_outcome is None:
            self.duplicate_outcome = self._duplicate()
        return page


class _RecordingLogger:
    def __init__(self) -> None:
        self.exceptions: list[tuple[str, Any]] = []

    def info(self, message: str, *args: Any, **kwargs: Any) -> None:
        pass

    def warning(self, message: str, *args: Any, **kwargs: Any) -> None:
        pass

    def exception(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.exceptions.append((message, kwargs.get("extra")))


def _assessments(jobs: Jobs, users: Sequence[str]) -> dict[str, object]:
    return {user: archetype.assessment if archetype else None for user, archetype in jobs.stored(users).items()}


def test_a_run_recalculates_every_stale_user_and_writes_only_what_changed(jobs: Jobs) -> None:
    users = jobs.seed(7)

    first = jobs.run(segments=3)

    assert first.status == "completed"
    assert first.counts == JobCounts(users_scanned=7, recalculated=7, changed=7)
    assert (first.segments_done, first.total_segments, first.trigger) == (3, 3, "test")
    assert first.ended_at is not None
    assert first.ended_at > first.started_at
    assert first.duration_seconds == pytest.approx((first.ended_at - first.started_at).total_seconds(), abs=0.001)
    stored = jobs.stored(users)
    for user, archetype in stored.items():
        assert archetype is not None
        assert archetype.signals_version == jobs.state(user).signals.version

    again = jobs.run(segments=3)
    assert again.counts == JobCounts(users_scanned=7, fresh=7)
    assert jobs.stored(users) == stored

    jobs.clock.advance(TTL + timedelta(hours=1))  # all stale by age, none changed: recomputed, nothing written
    aged = jobs.run(segments=3)
    assert aged.counts == JobCounts(users_scanned=7, recalculated=7)
    assert jobs.stored(users) == stored


def test_new_signals_make_a_user_stale_and_only_that_user_is_rewritten(jobs: Jobs) -> None:
    users = jobs.seed(4)
    jobs.run(segments=2)
    before = jobs.stored(users)
    jobs.ingest(users[0], [created(f"r{i}", offered="900.00") for i in range(5)])

    run = jobs.run(segments=2)

    assert run.counts == JobCounts(users_scanned=4, recalculated=1, changed=1, fresh=3)
    after = jobs.stored(users)
    assert {user for user in users if after[user] != before[user]} == {users[0]}
    rewritten = after[users[0]]
    assert rewritten is not None
    assert rewritten.signals_version == jobs.state(users[0]).signals.version


def test_admins_list_runs_newest_first_and_others_are_refused(stack: LocalStack, api: Api, user: str) -> None:
    other = f"{user}-b"
    for who, outcome in ((user, "accepted"), (other, "rejected")):
        body = {"events": [created("r1"), answered("a1", outcome)]}
        assert api.call("POST", "/v1/events", body, user=who).status == 200
    stack.bridge.drain()  # whatever earlier tests left queued
    run_ids = []
    for _ in range(2):
        started = stack.run_schedule("start_archetype_recalculation")
        assert started["started"] is True
        stack.bridge.drain()
        run_ids.append(started["run_id"])

    listed = api.call("GET", "/v1/admin/jobs?limit=100", user="ops", admin=True)

    assert listed.status == 200
    runs = {run["run_id"]: run for run in listed.body["runs"]}
    order = [run["run_id"] for run in listed.body["runs"]]
    assert order.index(run_ids[1]) < order.index(run_ids[0])
    started_at = [run["started_at"] for run in listed.body["runs"]]
    assert started_at == sorted(started_at, reverse=True)
    for run_id in run_ids:
        run = runs[run_id]
        assert (run["status"], run["trigger"]) == ("completed", "schedule")
        assert run["ended_at"] >= run["started_at"]
        assert run["duration_seconds"] >= 0
        assert run["counts"]["users_scanned"] >= 2
    assert runs[run_ids[1]]["counts"]["fresh"] >= 2  # ours were recomputed by the first run
    for who in (user, other):
        state = load_user_state(behavior_table(), who)
        assert state.stored is not None
        assert state.stored.signals_version == state.signals.version == 1
    assert api.call("GET", "/v1/admin/jobs", user=user).status == 403


@pytest.mark.parametrize("where", ["scan", "save"])
def test_a_crash_mid_segment_resumes_at_the_checkpoint(stack: LocalStack, jobs: Jobs, where: str) -> None:
    jobs.seed(9)  # pages of 3, 3, 3 (a scan of 4 items holds back the 4th user for the next page)
    crashing = _Crashing(jobs.behavior, where, crash_on=3)
    ports = jobs.ports._replace(behavior=crashing)
    run_id = jobs.start(segments=1)
    (delivery,) = jobs.receive()

    with pytest.raises(RuntimeError, match="worker crashed"):
        process_message(ports, delivery.message, plenty)
    jobs.release(delivery)
    checkpoint = jobs.segment(run_id)
    assert (checkpoint.status, checkpoint.counts) == ("pending", JobCounts(users_scanned=6, recalculated=6, changed=6))
    before_crash = list(crashing.start_keys)
    assert len(before_crash) == 3

    crashing.disarm()
    (redelivered,) = jobs.receive()
    assert process_message(ports, redelivered.message, plenty) == "run done"
    jobs.ack(redelivered)

    resumed = crashing.start_keys[len(before_crash) :]
    assert resumed[0] == checkpoint.checkpoint == before_crash[2]
    assert len(resumed) == 1  # page 3 only
    assert not set(resumed) & set(before_crash[:2])
    run = jobs.get_run(run_id)
    assert (run.status, run.counts) == ("completed", JobCounts(users_scanned=9, recalculated=9, changed=9))
    clean = isolated_jobs(stack)
    users = clean.seed(9)
    assert clean.run(segments=1).counts == run.counts
    assert _assessments(jobs, users) == _assessments(clean, users)


def test_an_overridden_user_is_skipped_and_the_override_survives(jobs: Jobs) -> None:
    users = jobs.seed(4)
    override = ArchetypeOverride(archetype="big_spender", reason="VIP account", set_by="ops", set_at=NOW)
    record = AuditRecord(
        audit_id=uuid4().hex,
        at=NOW,
        actor="ops",
        action="archetype.override.set",
        target=f"user:{users[0]}",
        before=None,
        after=None,
        reason="VIP account",
        source_ip="127.0.0.1",
        user_agent="pytest",
    )
    audit = AuditTable(jobs.template.ref("AuditTable"), jobs.dynamodb)
    jobs.behavior.save_override(users[0], override_attributes(override), audit.put_request(record))

    run = jobs.run(segments=2)

    assert run.counts == JobCounts(users_scanned=4, recalculated=3, changed=3, skipped_overrides=1)
    assert jobs.state(users[0]).override == override
    assert jobs.state(users[0]).stored is None
    assert all(archetype is not None for archetype in jobs.stored(users[1:]).values())

    jobs.clock.advance(TTL + timedelta(hours=1))
    later = jobs.run(segments=2)
    assert (later.counts.skipped_overrides, later.counts.recalculated) == (1, 3)
    assert jobs.state(users[0]) == UserState(jobs.state(users[0]).signals, None, override)


def test_a_second_start_while_a_run_holds_the_lock_starts_nothing(jobs: Jobs) -> None:
    jobs.seed(3)
    first = jobs.start(segments=2)

    assert start_run(jobs.ports, 2, "manual") == StartOutcome(started=False, run_id=first)

    queued = jobs.receive_all()
    assert sorted((d.message.run_id, d.message.segment) for d in queued) == [(first, 0), (first, 1)]
    for delivery in queued:
        process_message(jobs.ports, delivery.message, plenty)
        jobs.ack(delivery)
    runs, _ = jobs.ports.jobs.recent_runs(RECALCULATION_JOB, 10, None)
    assert [(run.run_id, run.status, run.counts.users_scanned) for run in runs] == [(first, "completed", 3)]

    after = start_run(jobs.ports, 2, "manual")
    assert after.started
    assert after.run_id != first


def test_an_expired_lease_is_taken_over_and_the_late_run_does_not_free_the_new_lock(jobs: Jobs) -> None:
    jobs.seed(3)
    stuck = jobs.start(segments=2)
    stuck_messages = jobs.receive_all()
    jobs.clock.advance(timedelta(seconds=LOCK_LEASE_SECONDS - 60))
    assert start_run(jobs.ports, 2, "schedule") == StartOutcome(started=False, run_id=stuck)

    jobs.clock.advance(timedelta(seconds=120))
    taken = start_run(jobs.ports, 2, "schedule")

    assert taken.started
    assert taken.run_id != stuck
    assert start_run(jobs.ports, 2, "schedule") == StartOutcome(started=False, run_id=taken.run_id)
    for delivery in stuck_messages:  # the old run's workers finish late
        process_message(jobs.ports, delivery.message, plenty)
        jobs.ack(delivery)
    assert jobs.get_run(stuck).status == "completed"
    assert start_run(jobs.ports, 2, "schedule") == StartOutcome(started=False, run_id=taken.run_id)
    jobs.work()
    assert jobs.get_run(taken.run_id).status == "completed"
    assert start_run(jobs.ports, 2, "schedule").started


def test_a_segment_message_processed_twice_counts_once(jobs: Jobs) -> None:
    jobs.seed(5)
    run_id = jobs.start(segments=1)
    (delivery,) = jobs.receive()

    assert process_message(jobs.ports, delivery.message, plenty) == "run done"
    assert process_message(jobs.ports, delivery.message, plenty) == "already done"

    assert jobs.get_run(run_id).counts == JobCounts(users_scanned=5, recalculated=5, changed=5)


@pytest.mark.parametrize(
    ("users", "other_time_left_ms", "other_outcome"),
    [
        (1, PLENTY_MS, "run done"),  # the loser fails to complete the segment
        (5, PLENTY_MS, "run done"),  # the loser fails its checkpoint: the segment is done
        (5, 1_000, "continued in a new message"),  # the loser fails its checkpoint: it moved on a page
    ],
)
def test_concurrent_deliveries_from_the_same_checkpoint_count_once(
    jobs: Jobs, users: int, other_time_left_ms: int, other_outcome: str
) -> None:
    jobs.seed(users)  # pages of 3
    run_id = jobs.start(segments=1)
    (delivery,) = jobs.receive()
    interleaved = _Interleaved(
        jobs.behavior, lambda: process_message(jobs.ports, delivery.message, lambda: other_time_left_ms)
    )

    loser = process_message(jobs.ports._replace(behavior=interleaved), delivery.message, plenty)

    assert (interleaved.duplicate_outcome, loser) == (other_outcome, "superseded by another delivery")
    jobs.ack(delivery)
    jobs.work()  # a continuation, if the other delivery left one
    run = jobs.get_run(run_id)
    assert (run.status, run.segments_done) == ("completed", 1)
    assert run.counts == JobCounts(users_scanned=users, recalculated=users, changed=users)


def test_a_failed_user_is_counted_logged_and_retried(jobs: Jobs, monkeypatch: pytest.MonkeyPatch) -> None:
    users = jobs.seed(3)
    jobs.corrupt_signals("broken")
    log = _RecordingLogger()
    monkeypatch.setattr(archetype_recalculation, "logger", lambda: log)
    run_id = jobs.start(segments=1)
    (segment,) = jobs.receive()

    assert process_message(jobs.ports, segment.message, plenty) == "run done"
    jobs.ack(segment)

    assert jobs.get_run(run_id).counts == JobCounts(users_scanned=4, recalculated=3, changed=3, failed=1)
    assert log.exceptions == [("recalculating a user failed; queued for retry", {"user_id": "broken"})]
    assert all(archetype is not None for archetype in jobs.stored(users).values())
    (retry,) = jobs.receive()
    assert retry.message == RecalculationMessage(run_id=run_id, total_segments=1, retry_user_ids=["broken"])

    with pytest.raises(ValidationError):  # still broken: the message fails, SQS redelivers it
        process_message(jobs.ports, retry.message, plenty)
    jobs.release(retry)
    assert jobs.get_run(run_id).counts.recovered == 0

    jobs.dynamodb.delete_item(
        TableName=jobs.template.ref("BehaviorTable"), Key={"pk": {"S": "USER#broken"}, "sk": {"S": "SIGNALS"}}
    )
    jobs.ingest("broken", [created("fixed")])
    (redelivered,) = jobs.receive()
    assert process_message(jobs.ports, redelivered.message, plenty) == "recovered 1 users"
    jobs.ack(redelivered)
    assert jobs.get_run(run_id).counts.recovered == 1
    assert jobs.state("broken").stored is not None


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(stack: LocalStack) -> None:
    sqs, dynamodb = stack.emulator.client("sqs"), stack.emulator.client("dynamodb")
    queue_url = sqs.get_queue_url(QueueName=stack.template.physical_name("ArchetypeRecalculationQueue"))["QueueUrl"]
    dead_letters = stack.template.physical_name("ArchetypeRecalculationDeadLetterQueue")
    dlq_url = sqs.get_queue_url(QueueName=dead_letters)["QueueUrl"]
    user = f"broken-{uuid4().hex[:8]}"
    key = {"pk": {"S": f"USER#{user}"}, "sk": {"S": "SIGNALS"}}
    stack.bridge.drain()
    dynamodb.put_item(
        TableName=stack.template.ref("BehaviorTable"),
        Item={**key, "state_user_id": {"S": user}, "version": {"S": "not-a-number"}},
    )
    try:
        body = RecalculationMessage(run_id="run-x", total_segments=1, retry_user_ids=[user]).model_dump_json()
        message_id = sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]
        results = []
        for _ in range(5):  # maxReceiveCount in template.yaml
            assert stack.bridge.deliver_pending() == 1
            results.append(stack.bridge.delivered[-1])
        # BatchSize is 1, so a failed message is the whole batch: Powertools raises, the bridge retries it.
        assert results == [{"function": "RecalculateArchetypesFunction", "result": None}] * 5

        assert stack.bridge.deliver_pending() == 0  # moto moves it on the receive after the fifth

        dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
        ours = [message for message in dead if message["MessageId"] == message_id]
        assert [message["Body"] for message in ours] == [body]
        for message in ours:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
        assert sqs.receive_message(QueueUrl=queue_url).get("Messages", []) == []
    finally:
        dynamodb.delete_item(TableName=stack.template.ref("BehaviorTable"), Key=key)


def test_near_its_time_limit_a_worker_checkpoints_and_queues_the_rest(jobs: Jobs) -> None:
    jobs.seed(11)  # pages of 3, 3, 3, 2
    run_id = jobs.start(segments=1)
    (delivery,) = jobs.receive()

    assert process_message(jobs.ports, delivery.message, lambda: 30_000) == "continued in a new message"
    jobs.ack(delivery)

    segment = jobs.segment(run_id)
    assert (segment.status, segment.counts.users_scanned) == ("pending", 3)
    assert segment.checkpoint != ""
    (continuation,) = jobs.receive()
    assert continuation.message == RecalculationMessage(run_id=run_id, segment=0, total_segments=1)
    time_left = iter([PLENTY_MS, 59_999])
    assert process_message(jobs.ports, continuation.message, lambda: next(time_left)) == "continued in a new message"
    jobs.ack(continuation)
    assert jobs.segment(run_id).counts.users_scanned == 9

    assert jobs.work() == ["run done"]
    run = jobs.get_run(run_id)
    assert (run.status, run.counts) == ("completed", JobCounts(users_scanned=11, recalculated=11, changed=11))


def test_a_completed_segment_keeps_no_checkpoint_naming_a_user(jobs: Jobs) -> None:
    users = jobs.seed(7)  # pages of 3, 3, 1: two checkpoints, each the key of a user's item
    run = jobs.run(segments=1)

    segment = jobs.segment(run.run_id)
    assert (segment.status, segment.counts.users_scanned) == ("done", 7)
    assert segment.checkpoint == ""
    stored = jobs.dynamodb.scan(TableName=jobs.template.ref("JobTable"))["Items"]
    assert not [item for item in stored if any(user in json.dumps(item) for user in users)]


class _FailingFinish(JobTable):
    """Crashes once between the last segment's completion and the run's closing."""

    def __init__(self, table: JobTable) -> None:
        super().__init__(table._table, table._client)
        self.crashed = False

    def finish_run(self, run: JobRun, ended_at: datetime) -> bool:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("worker crashed")
        return super().finish_run(run, ended_at)


def test_a_crash_after_the_last_segment_still_closes_the_run_on_redelivery(jobs: Jobs) -> None:
    jobs.seed(3)
    failing = _FailingFinish(jobs.ports.jobs)
    ports = jobs.ports._replace(jobs=failing)
    run_id = jobs.start(segments=1)
    (delivery,) = jobs.receive()
    with pytest.raises(RuntimeError, match="worker crashed"):
        process_message(ports, delivery.message, plenty)
    jobs.release(delivery)
    assert jobs.segment(run_id).status == "done"

    (redelivered,) = jobs.receive()
    assert process_message(ports, redelivered.message, plenty) == "run done"
    jobs.ack(redelivered)

    run = jobs.get_run(run_id)
    assert (run.status, run.counts) == ("completed", JobCounts(users_scanned=3, recalculated=3, changed=3))
    assert run.ended_at is not None
    assert start_run(jobs.ports, 1, "test").started  # the lock was freed


@pytest.mark.parametrize("segments", [1, 3])
def test_scan_pages_never_split_a_users_state_items(jobs: Jobs, segments: int) -> None:
    users = jobs.seed(8)
    for user in users[::2]:  # half of them also get a stored archetype and an override: 3 items each
        state = load_user_state(jobs.behavior, user)
        jobs.behavior.save_archetype(user, archetype_attributes(compute(user, state.signals, NOW)))
        override = ArchetypeOverride(archetype="big_spender", reason="test", set_by="ops", set_at=NOW)
        audit = AuditTable(jobs.template.ref("AuditTable"), jobs.dynamodb)
        jobs.behavior.save_override(user, override_attributes(override), audit.put_request(_audit(user)))

    seen: dict[str, UserState] = {}
    pages = 0
    for segment in range(segments):
        checkpoint: str | None = ""
        while checkpoint is not None:
            page = jobs.behavior.user_states(segment, segments, checkpoint, 4)
            pages += 1
            for raw in page.states:
                assert raw.user_id not in seen
                seen[raw.user_id] = user_state(raw)
            checkpoint = page.next_key

    assert sorted(seen) == users
    assert pages > segments  # pages really ended inside the index, not once per segment
    for user in users[::2]:
        assert seen[user].stored is not None
        assert seen[user].override is not None
        assert seen[user].signals.version == 1
    for user in users[1::2]:
        assert (seen[user].stored, seen[user].override, seen[user].signals.version) == (None, None, 1)


def _audit(user: str) -> AuditRecord:
    return AuditRecord(
        audit_id=uuid4().hex,
        at=NOW,
        actor="ops",
        action="archetype.override.set",
        target=f"user:{user}",
        before=None,
        after=None,
        reason="test",
        source_ip="127.0.0.1",
        user_agent="pytest",
    )
