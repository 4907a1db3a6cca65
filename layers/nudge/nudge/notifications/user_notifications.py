"""GET /v1/users/{user_id}/notifications: what Nudge sent or scheduled to the user, newest first: when, on
which channel, its status, and why the user received it. A daily or weekly reader sees each campaign's email
(`digest_pending` until a digest carries it, then with `digest_id`) and each digest (`campaign_id`
`_digest-<period>`) on its own line."""

from datetime import datetime

from pydantic import Field

from nudge.models import NudgeModel
from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_table import DeliveryStatus, DeliveryTable
from nudge.users.actor import Actor


class NotificationsQuery(NudgeModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class UserNotification(NudgeModel):
    notification_id: str
    campaign_id: str
    campaign_name: str
    channel: Channel
    status: DeliveryStatus
    at: datetime = Field(description="When it was sent, or is to be")
    reason: str = Field(description="Why the user received it")
    fallback: bool = Field(description="Sent on this channel because the campaign's first channel failed")
    digest_id: str | None = Field(
        description="For an email that waits for (or went in) the user's digest: the digest's notification id once "
        "a digest carries it"
    )


class UserNotifications(NudgeModel):
    user_id: str
    notifications: list[UserNotification] = Field(description="Newest first")
    next_cursor: str | None = Field(description="Pass as `cursor` for older ones; null on the last page")


def notifications_for(table: DeliveryTable, actor: Actor, user_id: str, query: NotificationsQuery) -> UserNotifications:
    actor.ensure_can_access(user_id)
    page = table.user_page(user_id, query.limit, query.cursor)
    fields = set(UserNotification.model_fields)
    notifications = [UserNotification.model_validate(record.model_dump(include=fields)) for record in page.deliveries]
    return UserNotifications(user_id=user_id, notifications=notifications, next_cursor=page.next_cursor)
