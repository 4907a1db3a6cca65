"""GET /v1/admin/jobs (admin): recent archetype recalculation runs."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.jobs.job_runs import JobRunsPage, JobsQuery, runs_for_admin
from nudge.jobs.job_table import job_table

GET_JOBS = Endpoint(
    method="GET",
    path="/v1/admin/jobs",
    summary="Admin: recent archetype recalculation runs with their counts, newest first",
    access="admin",
    query=JobsQuery,
    response=JobRunsPage,
    tag="admin",
)


@endpoint(GET_JOBS)
def lambda_handler(call: ApiCall, query: JobsQuery) -> JobRunsPage:
    return runs_for_admin(job_table(), call.actor, query)
