"""The base of every Nudge model, and how a validation error names the field it is about."""

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class NudgeModel(BaseModel):
    """Unknown fields are refused. Validators are built on first use, not at import, so a function
    pays at cold start only for the models its own request path touches."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def field_path(location: Sequence[int | str]) -> str:
    """("events", 0, "amount") -> "events[0].amount"; union tags (they contain dots) are skipped."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "." not in part:
            path += f".{part}" if path else part
    return path
