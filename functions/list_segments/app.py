"""GET /v1/admin/segments (admin): every segment, a page at a time."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.admin import ListQuery, SegmentList, list_segments
from nudge.notifications.notification_table import notification_table

GET_SEGMENTS = Endpoint(
    method="GET",
    path="/v1/admin/segments",
    summary="Admin: the segments in segment_id order, paged",
    access="admin",
    query=ListQuery,
    response=SegmentList,
    tag="notifications",
)


@endpoint(GET_SEGMENTS)
def lambda_handler(call: ApiCall, query: ListQuery) -> SegmentList:
    return list_segments(notification_table(), call.actor, query)
