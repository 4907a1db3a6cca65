"""The admin routes of the suppression list: the address in the query, validated as the profile's."""

from pydantic import Field

from nudge.models import NudgeModel
from nudge.profiles.profile_values import Email
from nudge.subscribers.suppression import Suppression, SuppressionList
from nudge.users.actor import Actor


class EmailQuery(NudgeModel):
    email: Email = Field(description="The address to look up (compared trimmed and in lower case)")


def suppression_for_admin(suppressions: SuppressionList, actor: Actor, query: EmailQuery) -> Suppression:
    actor.ensure_admin()
    return suppressions.status(query.email)
