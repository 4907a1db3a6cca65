"""Who acts: a user (or an admin) behind an HTTP request, or a job acting on its own.

Domain code and the audit trail take an Actor rather than the HTTP request, so a job or the
EventBridge path can act and audit as an Actor of its own without faking an HTTP call.
"""

from __future__ import annotations

from typing import NamedTuple

from nudge.errors import Forbidden, NotFound


class Actor(NamedTuple):
    user_id: str
    is_admin: bool
    source_ip: str = ""
    user_agent: str = ""
    brand_id: str | None = None  # the brand a member of the brand group acts for

    def ensure_brand(self, brand_id: str) -> None:
        """A brand's routes: that brand, or an admin. Another brand's resources look absent (404), so a
        brand learns nothing of which brand ids exist; a caller who is no brand at all is refused (403)."""
        if self.is_admin or self.brand_id == brand_id:
            return
        if self.brand_id is not None:
            raise NotFound("there is no such brand resource", field="brand_id")
        raise Forbidden("this action needs the brand group (or admin)", field="brand_id")

    def may_manage_brand(self, brand_id: str) -> bool:
        return self.is_admin or self.brand_id == brand_id

    def may_access(self, user_id: str) -> bool:
        return user_id == self.user_id or self.is_admin

    def ensure_can_access(self, user_id: str) -> None:
        """Users see only their own data; admins see everyone's."""
        if not self.may_access(user_id):
            raise Forbidden("you may only access your own data", field="user_id")

    def ensure_owner(self, user_id: str) -> None:
        """Only the user themselves, with no admin exception: an admin is the owner of their own data only."""
        if user_id != self.user_id:
            raise Forbidden("only the user themselves may access this", field="user_id")

    def ensure_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this action needs the admin group")
