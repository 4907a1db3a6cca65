"""Who is calling, from the claims the JWT authorizer verified, and what they may touch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from nudge.errors import Forbidden, Unauthorized

ADMIN_GROUP = "admin"


class Caller(NamedTuple):
    user_id: str
    is_admin: bool

    def ensure_can_access(self, user_id: str) -> None:
        """Users see only their own data; admins see everyone's."""
        if user_id != self.user_id and not self.is_admin:
            raise Forbidden("you may only access your own data", field="user_id")

    def ensure_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden(f"this action needs the '{ADMIN_GROUP}' group")


def parse_groups(raw: Any) -> frozenset[str]:
    """Groups as API Gateway passes them: a list, or a string such as "[admin users]" or "admin,users"."""
    if raw is None:
        return frozenset()
    if isinstance(raw, (list, tuple)):
        return frozenset(str(group) for group in raw)
    text = str(raw).strip().removeprefix("[").removesuffix("]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    subject = (claims or {}).get("sub")
    if not subject:
        raise Unauthorized("the request carries no verified token subject")
    groups = parse_groups((claims or {}).get("cognito:groups"))
    return Caller(user_id=str(subject), is_admin=ADMIN_GROUP in groups)
