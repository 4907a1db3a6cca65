"""The base of every Nudge model."""

from pydantic import BaseModel, ConfigDict


class NudgeModel(BaseModel):
    """Unknown fields are refused. Validators are built on first use, not at import, so a function
    pays at cold start only for the models its own request path touches."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
