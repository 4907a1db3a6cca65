"""GET /v1/admin/jobs: recent recalculation runs, newest first, running ones with their progress."""

from pydantic import Field

from nudge.jobs.job_models import RECALCULATION_JOB, JobRun
from nudge.jobs.job_table import JobTable
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class JobsQuery(NudgeModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class JobRunsPage(NudgeModel):
    runs: list[JobRun]
    next_cursor: str | None = Field(description="Pass as `cursor` for older runs; null on the last page")


def runs_for_admin(table: JobTable, actor: Actor, query: JobsQuery) -> JobRunsPage:
    actor.ensure_admin()
    runs, next_cursor = table.recent_runs(RECALCULATION_JOB, query.limit, query.cursor)
    return JobRunsPage(runs=runs, next_cursor=next_cursor)
