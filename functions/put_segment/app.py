"""PUT /v1/admin/segments/{segment_id} (admin): create or replace a segment's targeting rules; audited."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.notifications.admin import SegmentPath, put_segment
from nudge.notifications.notification_table import notification_table
from nudge.notifications.segments import Segment, SegmentFields

PUT_SEGMENT = Endpoint(
    method="PUT",
    path="/v1/admin/segments/{segment_id}",
    summary="Admin: create or replace a segment (rules AND together, a rule's values OR); audited",
    access="admin",
    path_parameters=SegmentPath,
    body=SegmentFields,
    response=Segment,
    errors=(409,),
    tag="notifications",
)


@endpoint(PUT_SEGMENT)
def lambda_handler(call: ApiCall, path: SegmentPath, body: SegmentFields) -> Segment:
    return put_segment(notification_table(), audit_table(), call.actor, path.segment_id, body, datetime.now(UTC))
