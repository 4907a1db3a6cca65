"""PUT /v1/users/{user_id}/sensitive-attributes/{name}: the user states a sensitive attribute, with consent."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.sensitive.attribute_models import AttributePath, SensitiveAttributeRecord, SensitiveAttributeRequest
from nudge.sensitive.attributes import set_attribute
from nudge.sensitive.envelope import kms_data_keys
from nudge.sensitive.sensitive_table import sensitive_attribute_table

PUT_SENSITIVE_ATTRIBUTE = Endpoint(
    method="PUT",
    path="/v1/users/{user_id}/sensitive-attributes/{name}",
    summary="Store one of your sensitive attributes, encrypted, with your explicit consent (replaces it)",
    access="owner",
    path_parameters=AttributePath,
    body=SensitiveAttributeRequest,
    response=SensitiveAttributeRecord,
    tag="sensitive attributes",
    logs_event=False,
)


@endpoint(PUT_SENSITIVE_ATTRIBUTE)
def lambda_handler(call: ApiCall, path: AttributePath, body: SensitiveAttributeRequest) -> SensitiveAttributeRecord:
    return set_attribute(
        sensitive_attribute_table(), kms_data_keys(), call.actor, path.user_id, path.name, body, datetime.now(UTC)
    )
