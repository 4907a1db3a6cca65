"""The path of every /v1/users/{user_id}/... route (a module of its own, so that a route loads only the models
it serves)."""

from nudge.identifiers import UserId
from nudge.models import NudgeModel


class UserPath(NudgeModel):
    user_id: UserId
