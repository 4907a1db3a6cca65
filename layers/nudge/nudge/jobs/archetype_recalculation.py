"""The nightly archetype recalculation, split into segments that run in parallel and resume.

- `start_run` (the schedule) takes the job's lock, logs the run and queues one message per segment
  of a parallel scan over the users with signals. A second start while a run holds the lock does
  nothing, so overlapping triggers never process users twice.
- `process_message` (the SQS worker) scans its segment a page at a time from the stored checkpoint.
  A page (one Scan of the UserStates index) holds each user's signals, archetype and override
  together, so there is no other read: the stale ones are recomputed (overrides skipped), the
  changed ones written with BatchWriteItem (25 per call), then the checkpoint moves on with the
  page's counts. A crash or timeout redelivers the message and the
  scan resumes at the checkpoint; a duplicate delivery loses the checkpoint race and stops. Near
  its time limit a worker queues the rest of its segment and returns.
- A user that fails is logged, counted and queued again on their own; a retry that fails again
  fails its message, which SQS redelivers and finally moves to the dead-letter queue.
- The worker that completes the last segment closes the run (end, duration) and frees the lock; if it
  dies first, the redelivery of its message finds the segment done and closes the run instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from nudge.behavior.behavior_table import BehaviorTable, RawState, StatesPage
from nudge.defaults.archetype_items import archetype_attributes, load_user_state, user_state
from nudge.defaults.archetype_state import StoredArchetype, is_stale, resolve
from nudge.identifiers import new_id
from nudge.jobs.job_models import RECALCULATION_JOB, JobCounts, JobRun, Segment
from nudge.jobs.job_table import JobTable
from nudge.jobs.recalculation_queue import RecalculationMessage, RecalculationQueue
from nudge.observability import logger, metrics

PAGE_SIZE = 1000  # state items (up to 3 per user) are about 1 KB, so a page stays under the 1 MB scan limit
# A run that died keeps the lock at most this long; the next night's run then takes over.
LOCK_LEASE_SECONDS = 20 * 3600
# Stop scanning with this much time left, so the checkpoint and the continuation message get written.
TIME_MARGIN_MS = 60_000


class RecalculationPorts(NamedTuple):
    behavior: BehaviorTable
    jobs: JobTable
    queue: RecalculationQueue
    ttl: timedelta
    clock: Callable[[], datetime]


class StartOutcome(NamedTuple):
    started: bool
    run_id: str


def new_run_id(now: datetime) -> str:
    """Sortable by start time, unique across concurrent starts."""
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{new_id()[:8]}"


def start_run(ports: RecalculationPorts, segments: int, trigger: str) -> StartOutcome:
    now = ports.clock()
    run_id = new_run_id(now)
    holder = ports.jobs.acquire_lock(RECALCULATION_JOB, run_id, now, LOCK_LEASE_SECONDS)
    if holder is not None:
        logger().warning("recalculation already running; not starting another", extra={"active_run_id": holder})
        return StartOutcome(started=False, run_id=holder)
    run = JobRun(run_id=run_id, trigger=trigger, status="running", started_at=now, total_segments=segments)
    ports.jobs.create_run(run)
    ports.queue.send(
        [RecalculationMessage(run_id=run_id, segment=index, total_segments=segments) for index in range(segments)]
    )
    logger().info("recalculation started", extra={"run_id": run_id, "segments": segments, "trigger": trigger})
    return StartOutcome(started=True, run_id=run_id)


def process_message(ports: RecalculationPorts, message: RecalculationMessage, time_left_ms: Callable[[], int]) -> str:
    """Handle one queue message; returns what happened (for logs and tests)."""
    if message.retry_user_ids:
        return _retry_users(ports, message)
    segment = ports.jobs.get_segment(message.run_id, message.segment or 0)
    if segment is None:
        return "already done"
    if segment.status == "done":
        # Its worker may have died after completing it but before closing the run: close the run now.
        run = ports.jobs.get_run(RECALCULATION_JOB, segment.run_id)
        return "run done" if run is not None and run.status == "running" and _close_run(ports, run) else "already done"
    return _scan_segment(ports, segment, time_left_ms)


def _scan_segment(ports: RecalculationPorts, segment: Segment, time_left_ms: Callable[[], int]) -> str:
    while True:
        page = ports.behavior.user_states(segment.segment, segment.total_segments, segment.checkpoint, PAGE_SIZE)
        counts, failed = _process_page(ports, page)
        if failed:
            ports.queue.send([_retry_message(segment, failed[i : i + 100]) for i in range(0, len(failed), 100)])
        if page.next_key is None:
            return _complete(ports, segment, counts)
        if not ports.jobs.checkpoint(segment, page.next_key, counts):
            return "superseded by another delivery"
        segment = segment.model_copy(update={"checkpoint": page.next_key, "counts": segment.counts.plus(counts)})
        logger().info("recalculation progress", extra=_progress(segment))
        if time_left_ms() < TIME_MARGIN_MS:
            ports.queue.send([_continuation(segment)])
            return "continued in a new message"


def _process_page(ports: RecalculationPorts, page: StatesPage) -> tuple[JobCounts, list[str]]:
    now = ports.clock()
    changed: list[tuple[str, dict[str, Any]]] = []
    failed: list[str] = []
    tally = {"fresh": 0, "skipped_overrides": 0, "recalculated": 0}
    for raw in page.states:
        try:
            outcome = _recalculate_user(raw, now, ports.ttl)
        except Exception:  # noqa: BLE001 - one bad user must not stop the segment; it is retried
            logger().exception("recalculating a user failed; queued for retry", extra={"user_id": raw.user_id})
            failed.append(raw.user_id)
            continue
        tally[outcome[0]] += 1
        if outcome[1] is not None:
            changed.append((raw.user_id, archetype_attributes(outcome[1])))
    unwritten = ports.behavior.save_archetypes(changed)
    if failed or unwritten:
        metrics().add_metric(name="RecalculationFailedUsers", unit=MetricUnit.Count, value=len(failed) + len(unwritten))
    counts = JobCounts(
        users_scanned=len(page.states),
        changed=len(changed) - len(unwritten),
        failed=len(failed) + len(unwritten),
        **tally,
    )
    return counts, failed + unwritten


def _recalculate_user(raw: RawState, now: datetime, ttl: timedelta) -> tuple[str, StoredArchetype | None]:
    """("fresh" | "skipped_overrides" | "recalculated", the archetype to write when it changed)."""
    state = user_state(raw)
    if state.override is not None:
        return "skipped_overrides", None
    if not is_stale(state.stored, state.signals.version, now, ttl):
        return "fresh", None
    resolution = resolve(raw.user_id, state, now, ttl)
    return "recalculated", resolution.current if resolution.changed else None


def _retry_users(ports: RecalculationPorts, message: RecalculationMessage) -> str:
    """Recompute users whose first attempt failed; any failure here fails the message (SQS retries it)."""
    now = ports.clock()
    for user_id in message.retry_user_ids:
        resolution = resolve(user_id, load_user_state(ports.behavior, user_id), now, ports.ttl, force=True)
        if resolution.override is None:
            ports.behavior.save_archetype(user_id, archetype_attributes(resolution.current))
    ports.jobs.add_to_run(RECALCULATION_JOB, message.run_id, JobCounts(recovered=len(message.retry_user_ids)))
    return f"recovered {len(message.retry_user_ids)} users"


def _complete(ports: RecalculationPorts, segment: Segment, counts: JobCounts) -> str:
    if not ports.jobs.complete_segment(segment, counts, RECALCULATION_JOB):
        return "superseded by another delivery"
    logger().info("recalculation segment done", extra=_progress(segment, counts))
    run = ports.jobs.get_run(RECALCULATION_JOB, segment.run_id)
    return "run done" if run is not None and _close_run(ports, run) else "segment done"


def _close_run(ports: RecalculationPorts, run: JobRun) -> bool:
    """Once every segment is done, mark the run completed and free the lock; False while segments remain."""
    if run.segments_done < run.total_segments:
        return False
    ended = ports.clock()
    if ports.jobs.finish_run(run, ended):
        ports.jobs.release_lock(RECALCULATION_JOB, run.run_id)
        summary = run.counts.model_dump() | {"duration_seconds": (ended - run.started_at).total_seconds()}
        logger().info("recalculation finished", extra={"run_id": run.run_id, **summary})
        metrics().add_metric(name="RecalculationCompleted", unit=MetricUnit.Count, value=1)
        metrics().add_metric(name="RecalculationDuration", unit=MetricUnit.Seconds, value=summary["duration_seconds"])
    return True


def _retry_message(segment: Segment, user_ids: list[str]) -> RecalculationMessage:
    return RecalculationMessage(run_id=segment.run_id, total_segments=segment.total_segments, retry_user_ids=user_ids)


def _continuation(segment: Segment) -> RecalculationMessage:
    return RecalculationMessage(run_id=segment.run_id, segment=segment.segment, total_segments=segment.total_segments)


def _progress(segment: Segment, page: JobCounts | None = None) -> dict[str, object]:
    counts = segment.counts.plus(page) if page else segment.counts
    return {"run_id": segment.run_id, "segment": segment.segment, **counts.model_dump()}


def recalculation_ports() -> RecalculationPorts:
    """The job's tables, queue and settings for this function's environment."""
    from datetime import UTC

    from nudge.behavior.behavior_table import behavior_table
    from nudge.config import archetype_cache_ttl
    from nudge.jobs.job_table import job_table
    from nudge.jobs.recalculation_queue import recalculation_queue

    return RecalculationPorts(
        behavior=behavior_table(),
        jobs=job_table(),
        queue=recalculation_queue(),
        ttl=archetype_cache_ttl(),
        clock=lambda: datetime.now(UTC),
    )
