"""Lower packages never import the ones built on them, not even for type checking."""

import ast
from pathlib import Path

NUDGE = Path(__file__).resolve().parents[2] / "layers" / "nudge" / "nudge"
CAPABILITIES = ("anchoring", "audit", "behavior", "defaults", "jobs")


def imported_packages(package: str) -> set[str]:
    """The nudge packages any module of `package` imports, at module level, in functions or under TYPE_CHECKING."""
    found: set[str] = set()
    for path in (NUDGE / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found |= {name.split(".")[1] for name in names if name.startswith("nudge.")}
    return found


def test_the_users_core_imports_no_capability() -> None:
    assert imported_packages("users") & {*CAPABILITIES, "privacy", "api"} == set()


def test_the_behavior_capability_imports_none_built_on_it() -> None:
    # Defaults, anchoring and the jobs read behavior's signals; behavior knows nothing of their items.
    assert imported_packages("behavior") & {"defaults", "anchoring", "jobs", "privacy"} == set()


def test_no_capability_imports_the_privacy_registry_built_on_them_all() -> None:
    importing = [capability for capability in CAPABILITIES if "privacy" in imported_packages(capability)]
    assert importing == []
