"""The shape of ids Nudge accepts from clients: user ids, event ids, request ids."""

from typing import Annotated

from pydantic import Field

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
