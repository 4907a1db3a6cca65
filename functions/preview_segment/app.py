"""GET /v1/admin/segments/{segment_id}/preview (admin): matching and consenting profiles, one scan page."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.admin import SegmentPath
from nudge.notifications.segment_preview import PreviewQuery, SegmentPreview, preview_segment, preview_tables

GET_SEGMENT_PREVIEW = Endpoint(
    method="GET",
    path="/v1/admin/segments/{segment_id}/preview",
    summary="Admin: of one scan page of profiles, how many the segment matches and how many of them consent",
    access="admin",
    path_parameters=SegmentPath,
    query=PreviewQuery,
    response=SegmentPreview,
    errors=(404,),
    tag="notifications",
)


@endpoint(GET_SEGMENT_PREVIEW)
def lambda_handler(call: ApiCall, path: SegmentPath, query: PreviewQuery) -> SegmentPreview:
    return preview_segment(preview_tables(), call.actor, path.segment_id, query, datetime.now(UTC))
