"""Job runs and their segments, as stored and as the admin API shows them."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from nudge.models import NudgeModel

RECALCULATION_JOB = "archetype_recalculation"
RunStatus = Literal["running", "completed"]
SegmentStatus = Literal["pending", "done"]


class JobCounts(NudgeModel):
    users_scanned: int = 0
    recalculated: int = Field(default=0, description="Stale archetypes recomputed")
    changed: int = Field(default=0, description="Recomputed archetypes that differed, so were written")
    fresh: int = Field(default=0, description="Archetypes still fresh, left alone")
    skipped_overrides: int = 0
    failed: int = Field(default=0, description="Users that failed; each is retried through the queue")
    recovered: int = Field(default=0, description="Failed users that a retry then recalculated")

    def plus(self, other: "JobCounts") -> "JobCounts":
        return JobCounts(**{name: getattr(self, name) + getattr(other, name) for name in JobCounts.model_fields})


class JobRun(NudgeModel):
    run_id: str
    job: str = RECALCULATION_JOB
    trigger: str = Field(description="schedule, or what else started it")
    status: RunStatus
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    total_segments: int
    segments_done: int = 0
    counts: JobCounts = Field(default_factory=JobCounts)


class Segment(NudgeModel):
    run_id: str
    segment: int
    total_segments: int
    status: SegmentStatus
    checkpoint: str = Field(default="", description="Where the scan resumes: an encoded LastEvaluatedKey")
    counts: JobCounts = Field(default_factory=JobCounts)
