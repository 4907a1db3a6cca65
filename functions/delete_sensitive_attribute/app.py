"""DELETE /v1/users/{user_id}/sensitive-attributes/{name}: the user withdraws a sensitive attribute."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.sensitive.attribute_models import AttributePath, SensitiveAttributeRecord
from nudge.sensitive.attributes import delete_attribute
from nudge.sensitive.sensitive_table import sensitive_attribute_table

DELETE_SENSITIVE_ATTRIBUTE = Endpoint(
    method="DELETE",
    path="/v1/users/{user_id}/sensitive-attributes/{name}",
    summary="Delete one of your sensitive attributes (withdraws the consent); 404 when none is stored",
    access="owner",
    path_parameters=AttributePath,
    response=SensitiveAttributeRecord,
    errors=(404,),
    tag="sensitive attributes",
    logs_event=False,
)


@endpoint(DELETE_SENSITIVE_ATTRIBUTE)
def lambda_handler(call: ApiCall, path: AttributePath) -> SensitiveAttributeRecord:
    return delete_attribute(sensitive_attribute_table(), call.actor, path.user_id, path.name)
