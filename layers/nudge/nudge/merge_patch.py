"""JSON Merge Patch (RFC 7386): how PATCH changes a JSON document."""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` changed by `patch`: objects merge member by member, recursively; a member set to null is
    removed; anything else (arrays included) replaces what was there. Neither argument is changed."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged
