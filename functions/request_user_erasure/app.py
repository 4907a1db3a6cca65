"""DELETE /v1/users/{user_id}: erase everything Nudge holds about the user (runs as a job; 202)."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.privacy.erasure import request_for_actor, request_ports
from nudge.privacy.erasure_models import ErasureAccepted
from nudge.users.user_path import UserPath

DELETE_USER = Endpoint(
    method="DELETE",
    path="/v1/users/{user_id}",
    summary="Erase everything Nudge holds about the user (the user, or an admin); runs as a job. A second request "
    "while one is pending or running returns that erasure",
    access="self",
    path_parameters=UserPath,
    response=ErasureAccepted,
    errors=(409,),
    tag="personal data",
    status=202,
)


@endpoint(DELETE_USER)
def lambda_handler(call: ApiCall, path: UserPath) -> ErasureAccepted:
    return request_for_actor(request_ports(), call.actor, path.user_id)
