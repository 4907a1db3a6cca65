"""GET /v1/admin/erasures/{erasure_id} (admin): an erasure's status and per-table counts."""

from typing import Annotated

from pydantic import Field

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.models import NudgeModel
from nudge.privacy.erasure import erasure_for_admin
from nudge.privacy.erasure_models import ErasureView
from nudge.privacy.erasure_table import erasure_table


class ErasurePath(NudgeModel):
    erasure_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="As DELETE /v1/users/{user_id} returned")]


GET_ERASURE = Endpoint(
    method="GET",
    path="/v1/admin/erasures/{erasure_id}",
    summary="Admin: an erasure's status (pending, running, completed, failed), times and per-table counts",
    access="admin",
    path_parameters=ErasurePath,
    response=ErasureView,
    errors=(404,),
    tag="personal data",
)


@endpoint(GET_ERASURE)
def lambda_handler(call: ApiCall, path: ErasurePath) -> ErasureView:
    return erasure_for_admin(erasure_table(), call.actor, path.erasure_id)
