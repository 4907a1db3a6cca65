"""GET /v1/users/{user_id}/sensitive-attributes: the user's own sensitive attributes, decrypted."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.sensitive.attribute_models import AttributesPath, SensitiveAttributes
from nudge.sensitive.attributes import reveal_for_owner
from nudge.sensitive.envelope import kms_data_keys
from nudge.sensitive.sensitive_table import sensitive_attribute_table

LIST_SENSITIVE_ATTRIBUTES = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/sensitive-attributes",
    summary="Read your sensitive attributes with their values (yours only: admins get 403 on anyone else's)",
    access="owner",
    path_parameters=AttributesPath,
    response=SensitiveAttributes,
    tag="sensitive attributes",
    logs_event=False,
)


@endpoint(LIST_SENSITIVE_ATTRIBUTES)
def lambda_handler(call: ApiCall, path: AttributesPath) -> SensitiveAttributes:
    attributes = reveal_for_owner(sensitive_attribute_table(), kms_data_keys, call.actor, path.user_id)
    return SensitiveAttributes(user_id=path.user_id, attributes=attributes)
