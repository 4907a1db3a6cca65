"""Who is calling, from the claims API Gateway's JWT authorizer verified.

Admin rights come from the `cognito:groups` claim, matched exactly against the admin group's name
(ADMIN_GROUP_NAME, the template's AdminGroupName). API Gateway hands a list claim to the function
flattened: ["a", "b"] arrives as "[a b]". Cognito group names cannot hold whitespace, so for them
the flattened form splits back exactly; a name from another identity provider might ("x admin y"),
which the flattened form cannot tell from three groups. So a flattened list of more than one group
is checked against the verified token itself, whose payload the gateway passes on in the
Authorization header; anything that does not match exactly is not admin.

Brand rights come the same way from the brand group (BRAND_GROUP_NAME, the template's BrandGroupName),
with the brand in the `custom:brand_id` claim; a brand group member without a valid brand id is a
plain user. Only admins set that attribute (the app client may not write it, template.yaml).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from nudge.errors import Unauthorized
from nudge.identifiers import IDENTIFIER_PATTERN, is_user_id
from nudge.users.actor import Actor

DEFAULT_ADMIN_GROUP = "admin"
DEFAULT_BRAND_GROUP = "brand"
BRAND_CLAIM = "custom:brand_id"
_BRAND_ID = re.compile(IDENTIFIER_PATTERN)
MAX_BRAND_ID_LENGTH = 64


def admin_group() -> str:
    return os.environ.get("ADMIN_GROUP_NAME") or DEFAULT_ADMIN_GROUP


def brand_group() -> str:
    return os.environ.get("BRAND_GROUP_NAME") or DEFAULT_BRAND_GROUP


def parse_groups(raw: Any) -> tuple[str, ...] | None:
    """The groups a claim value names, or None when its form is ambiguous or unknown.

    A list is taken as it is. A string is API Gateway's flattened form: one pair of brackets around
    names separated by single spaces; a string without brackets is one group's name.
    """
    if raw is None:
        return ()
    if isinstance(raw, list):
        return tuple(raw) if all(isinstance(group, str) for group in raw) else None
    if not isinstance(raw, str):
        return None
    if not (raw.startswith("[") and raw.endswith("]")):
        return (raw,)
    inner = raw[1:-1]
    if not inner:
        return ()
    names = tuple(inner.split(" "))
    return None if "" in names else names


def _token_groups(authorization: str | None) -> Any:
    """`cognito:groups` as the verified token holds it (the gateway checked its signature)."""
    if not authorization:
        return None
    parts = authorization.removeprefix("Bearer ").strip().split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8 or bad JSON
        return None
    return payload.get("cognito:groups") if isinstance(payload, dict) else None


def _flattened(groups: Any) -> str | None:
    if isinstance(groups, list) and all(isinstance(group, str) for group in groups):
        return "[" + " ".join(groups) + "]"
    return groups if isinstance(groups, str) else None


def in_group(group: str, claim: Any, authorization: str | None) -> bool:
    groups = parse_groups(claim)
    if groups is None or group not in groups:
        return False
    if len(groups) == 1 or isinstance(claim, list):
        return True
    # Several names from a flattened string: only the token's own list tells them apart.
    token_groups = _token_groups(authorization)
    return isinstance(token_groups, list) and _flattened(token_groups) == claim and group in token_groups


def is_admin(claim: Any, authorization: str | None) -> bool:
    return in_group(admin_group(), claim, authorization)


def brand_of(claims: Mapping[str, Any], authorization: str | None) -> str | None:
    """The brand a member of the brand group acts for; None for anyone else."""
    brand_id = claims.get(BRAND_CLAIM)
    if not isinstance(brand_id, str) or len(brand_id) > MAX_BRAND_ID_LENGTH or not _BRAND_ID.fullmatch(brand_id):
        return None
    return brand_id if in_group(brand_group(), claims.get("cognito:groups"), authorization) else None


def actor_from_claims(
    claims: Mapping[str, Any] | None, source_ip: str = "", user_agent: str = "", authorization: str | None = None
) -> Actor:
    subject = (claims or {}).get("sub")
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("the request carries no verified token subject")
    if not is_user_id(subject):
        raise Unauthorized("the token subject is not a user id Nudge accepts")
    admin = is_admin((claims or {}).get("cognito:groups"), authorization)
    brand_id = brand_of(claims or {}, authorization)
    return Actor(user_id=subject, is_admin=admin, source_ip=source_ip, user_agent=user_agent, brand_id=brand_id)
