"""PUT /v1/users/{user_id}/consent: the user gives or withdraws consent, purpose by purpose."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.config import consent_policy_version
from nudge.profiles.consent import ConsentSettings
from nudge.profiles.profile_table import profile_table
from nudge.profiles.user_consent import ConsentUpdated, change_consent
from nudge.users.user_path import UserPath

PUT_CONSENT = Endpoint(
    method="PUT",
    path="/v1/users/{user_id}/consent",
    summary="The user's consent, replaced whole (left out: false); each change is kept in the history, and "
    "withdrawing behavioral tracking deletes the engagement it gathered",
    access="owner",
    path_parameters=UserPath,
    body=ConsentSettings,
    response=ConsentUpdated,
    errors=(409,),
    tag="profiles",
)


@endpoint(PUT_CONSENT)
def lambda_handler(call: ApiCall, path: UserPath, body: ConsentSettings) -> ConsentUpdated:
    return change_consent(
        profile_table(), behavior_table(), call.actor, path.user_id, body, datetime.now(UTC), consent_policy_version()
    )
