"""GET /v1/users/{user_id}/export: everything Nudge holds about the user, as one JSON document."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.privacy.user_data import export_user_data
from nudge.users.personal_data import UserDataExport
from nudge.users.user_path import UserPath

GET_EXPORT = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/export",
    summary="Everything Nudge holds about the user, one section per table (the user, or an admin)",
    access="self",
    path_parameters=UserPath,
    response=UserDataExport,
    tag="personal data",
)


@endpoint(GET_EXPORT)
def lambda_handler(call: ApiCall, path: UserPath) -> UserDataExport:
    return export_user_data(call.actor, path.user_id, datetime.now(UTC))
