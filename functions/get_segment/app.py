"""GET /v1/admin/segments/{segment_id} (admin): one segment."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.admin import SegmentPath, get_segment
from nudge.notifications.notification_table import notification_table
from nudge.notifications.segments import Segment

GET_SEGMENT = Endpoint(
    method="GET",
    path="/v1/admin/segments/{segment_id}",
    summary="Admin: read a segment; 404 when there is none",
    access="admin",
    path_parameters=SegmentPath,
    response=Segment,
    errors=(404,),
    tag="notifications",
)


@endpoint(GET_SEGMENT)
def lambda_handler(call: ApiCall, path: SegmentPath) -> Segment:
    return get_segment(notification_table(), call.actor, path.segment_id)
