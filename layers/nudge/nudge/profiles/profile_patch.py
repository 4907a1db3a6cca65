"""PATCH's body: apart from the profile functions, so that the GET and PUT routes never create its model."""

from pydantic import ConfigDict, JsonValue, RootModel


class ProfilePatch(RootModel[dict[str, JsonValue]]):
    """A JSON merge patch (RFC 7386) of the profile's fields: members merge recursively, null removes a
    member, arrays replace. The merged profile must be valid as PUT's body is."""

    model_config = ConfigDict(defer_build=True)  # as NudgeModel
