"""The job table: the recalculation lock, run logs and per-segment checkpoints.

Item shapes (nothing outside this module builds these keys):
- lock:    pk=LOCK, sk=<job>; `run_id` and `lease_until` (epoch seconds). One run at a time: a
  second start while the lease holds does nothing; an expired lease (a run that died) is taken over.
- run:     pk=JOB#<job>, sk=RUN#<run_id>; run ids start with the start time, so a descending
  Query lists the newest runs first.
- segment: pk=RUN#<run_id>, sk=SEGMENT#<nnnn>; status and checkpoint.
Counters are flat number attributes `count_<name>` so pages add to them with ADD.

Personal data: none at rest. Runs and locks hold run ids, times and counts. A pending segment's
checkpoint is the index key its scan resumes after, which names the user a page ended on; it is
cleared when the segment completes. Users whose recalculation failed are retried through queue
messages, never stored here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from nudge import clients, config
from nudge.item_codec import (
    conditional,
    counter_clause,
    from_item,
    put_all,
    query_page,
    to_item,
    write_transaction,
)
from nudge.jobs.job_models import JobCounts, JobRun, Segment

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _run_key(job: str, run_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"JOB#{job}"}, "sk": {"S": f"RUN#{run_id}"}}


def _segment_key(run_id: str, segment: int) -> dict[str, Any]:
    return {"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": f"SEGMENT#{segment:04d}"}}


def _lock_key(job: str) -> dict[str, Any]:
    return {"pk": {"S": "LOCK"}, "sk": {"S": job}}


def _flat_counts(counts: JobCounts) -> dict[str, int]:
    return {f"count_{name}": value for name, value in counts.model_dump().items()}


def _counts_of(attributes: dict[str, Any]) -> JobCounts:
    return JobCounts(**{name: int(attributes.pop(f"count_{name}", 0)) for name in JobCounts.model_fields})


def _add_counts(counts: JobCounts) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An `ADD` clause for every counter, with its names and values."""
    return counter_clause(_flat_counts(counts))


class JobTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def acquire_lock(self, job: str, run_id: str, now: datetime, lease_seconds: int) -> str | None:
        """Take the job's lock for `run_id`; returns None when taken, else the run id holding it."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **_lock_key(job),
                    "run_id": {"S": run_id},
                    "lease_until": {"N": str(int(now.timestamp()) + lease_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            holder = error.response.get("Item", {}).get("run_id", {}).get("S")  # type: ignore[attr-defined]
            return str(holder or "unknown")
        return None

    def release_lock(self, job: str, run_id: str) -> None:
        """Free the lock if this run still holds it; another run holding it now is not ours to release."""
        conditional(
            self._client.delete_item,
            TableName=self._table,
            Key=_lock_key(job),
            ConditionExpression="run_id = :run",
            ExpressionAttributeValues={":run": {"S": run_id}},
        )

    def create_run(self, run: JobRun) -> None:
        """The run log and one pending segment item per segment."""
        self._client.put_item(TableName=self._table, Item=self._run_item(run))
        segments = [
            to_item(
                {
                    **{key: value["S"] for key, value in _segment_key(run.run_id, index).items()},
                    "run_id": run.run_id,
                    "segment": index,
                    "total_segments": run.total_segments,
                    "status": "pending",
                    "checkpoint": "",
                }
            )
            for index in range(run.total_segments)
        ]
        unwritten = put_all(self._client, self._table, segments)
        if unwritten:
            raise RuntimeError(f"DynamoDB left {len(unwritten)} of the run's segment items unwritten")

    def _run_item(self, run: JobRun) -> dict[str, Any]:
        attributes = run.model_dump(mode="json", exclude={"counts"}) | _flat_counts(run.counts)
        keys = {key: value["S"] for key, value in _run_key(run.job, run.run_id).items()}
        return to_item(keys | attributes)

    def get_run(self, job: str, run_id: str) -> JobRun | None:
        response = self._client.get_item(TableName=self._table, Key=_run_key(job, run_id), ConsistentRead=True)
        return _run(response["Item"]) if "Item" in response else None

    def get_segment(self, run_id: str, segment: int) -> Segment | None:
        response = self._client.get_item(TableName=self._table, Key=_segment_key(run_id, segment), ConsistentRead=True)
        if "Item" not in response:
            return None
        attributes = from_item(response["Item"])
        counts = _counts_of(attributes)
        return Segment.model_validate(attributes | {"counts": counts})

    def checkpoint(self, segment: Segment, next_checkpoint: str, page: JobCounts) -> bool:
        """Move the segment's checkpoint past a processed page and add its counts; False when another
        worker moved it first (a duplicate delivery), so this one stops instead of double-counting."""
        add, names, values = _add_counts(page)
        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_segment_key(segment.run_id, segment.segment),
            UpdateExpression=f"SET #checkpoint = :next {add}",
            ConditionExpression="#checkpoint = :previous AND #status = :pending",
            ExpressionAttributeNames=names | {"#checkpoint": "checkpoint", "#status": "status"},
            ExpressionAttributeValues=values
            | {
                ":next": {"S": next_checkpoint},
                ":previous": {"S": segment.checkpoint},
                ":pending": {"S": "pending"},
            },
        )

    def complete_segment(self, segment: Segment, page: JobCounts, job: str) -> bool:
        """Mark the segment done and add its totals to the run, in one transaction; False if already moved."""
        add, names, values = _add_counts(page)
        total_add, total_names, total_values = _add_counts(segment.counts.plus(page))
        segment_update = {
            "TableName": self._table,
            "Key": _segment_key(segment.run_id, segment.segment),
            # The checkpoint names a user and is of no use once the segment is done.
            "UpdateExpression": f"SET #status = :done, #checkpoint = :cleared {add}",
            "ConditionExpression": "#checkpoint = :previous AND #status = :pending",
            "ExpressionAttributeNames": names | {"#checkpoint": "checkpoint", "#status": "status"},
            "ExpressionAttributeValues": values
            | {
                ":done": {"S": "done"},
                ":cleared": {"S": ""},
                ":previous": {"S": segment.checkpoint},
                ":pending": {"S": "pending"},
            },
        }
        run_update = {
            "TableName": self._table,
            "Key": _run_key(job, segment.run_id),
            "UpdateExpression": f"{total_add}, segments_done :one",
            "ExpressionAttributeNames": total_names,
            "ExpressionAttributeValues": total_values | {":one": {"N": "1"}},
        }
        return write_transaction(self._client, [{"Update": segment_update}, {"Update": run_update}])

    def add_to_run(self, job: str, run_id: str, counts: JobCounts) -> None:
        add, names, values = _add_counts(counts)
        self._client.update_item(
            TableName=self._table,
            Key=_run_key(job, run_id),
            UpdateExpression=add,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def finish_run(self, run: JobRun, ended_at: datetime) -> bool:
        """Mark the run completed once every segment is done; True for the one caller that does it."""
        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_run_key(run.job, run.run_id),
            UpdateExpression="SET #status = :completed, ended_at = :ended, duration_seconds = :duration",
            ConditionExpression="#status = :running AND segments_done = total_segments",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":completed": {"S": "completed"},
                ":running": {"S": "running"},
                ":ended": {"S": ended_at.isoformat()},
                ":duration": {"N": str(round((ended_at - run.started_at).total_seconds(), 3))},
            },
        )

    def recent_runs(self, job: str, limit: int, cursor: str | None) -> tuple[list[JobRun], str | None]:
        pk = f"JOB#{job}"
        items, next_cursor = query_page(
            self._client,
            pk,
            cursor,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_run(item) for item in items], next_cursor


def _run(item: dict[str, Any]) -> JobRun:
    attributes = from_item(item)
    counts = _counts_of(attributes)
    return JobRun.model_validate(attributes | {"counts": counts})


def job_table() -> JobTable:
    return JobTable(config.text("JOB_TABLE_NAME"), clients.dynamodb())
