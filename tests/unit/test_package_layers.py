"""Lower packages never import the ones built on them, not even for type checking; sensitive attributes, and
the `cryptography` that seals them, are reached only where they are used."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUDGE = ROOT / "layers" / "nudge" / "nudge"
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


def _module_imports(path: Path) -> list[tuple[str, bool]]:
    """(module, imported inside a function) for every import statement of the file."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.module, in_function))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(path.read_text()), False)
    return found


def _sources() -> list[Path]:
    return sorted([*NUDGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")])


def test_only_the_sensitive_attribute_functions_and_the_privacy_registry_reach_sensitive_attributes() -> None:
    # Nothing that targets, recommends or reports may read them (their table's IAM policies say the same).
    reaching = {
        path.relative_to(ROOT).as_posix()
        for path in _sources()
        if "sensitive" not in path.parts
        and any(module.startswith("nudge.sensitive") for module, _ in _module_imports(path))
    }
    assert reaching == {
        "functions/delete_sensitive_attribute/app.py",
        "functions/list_sensitive_attributes/app.py",
        "functions/put_sensitive_attribute/app.py",
        "layers/nudge/nudge/privacy/registry.py",
    }


def test_cryptography_is_imported_only_where_values_are_sealed_and_only_when_they_are() -> None:
    imports = {
        path.relative_to(ROOT).as_posix(): [
            inside for module, inside in _module_imports(path) if module.startswith("cryptography")
        ]
        for path in _sources()
    }
    assert {path: found for path, found in imports.items() if found} == {
        "layers/nudge/nudge/sensitive/envelope.py": [True, True, True]
    }
