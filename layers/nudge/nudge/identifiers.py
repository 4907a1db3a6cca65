"""The shape of ids Nudge accepts from clients: user ids, event ids, request ids."""

import os
import re
from typing import Annotated

from pydantic import Field

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]

# A user id is a token subject as identity providers issue them: Cognito UUIDs, "auth0|abc123",
# "google-oauth2|1098...", email addresses. No whitespace, no "/" (a path separator) and no "#" (the
# separator inside Nudge's table keys), so a user id can never be mistaken for part of another key.
USER_ID_PATTERN = r"^[A-Za-z0-9._:@|+=~!$&'*-]+$"
MAX_USER_ID_LENGTH = 128
UserId = Annotated[
    str,
    Field(min_length=1, max_length=MAX_USER_ID_LENGTH, pattern=USER_ID_PATTERN, description="A token subject"),
]
_USER_ID = re.compile(USER_ID_PATTERN)


def is_user_id(value: str) -> bool:
    return len(value) <= MAX_USER_ID_LENGTH and _USER_ID.fullmatch(value) is not None


def new_id() -> str:
    """A new random id: 128 bits as 32 hex digits (os.urandom: the uuid module costs cold start)."""
    return os.urandom(16).hex()
