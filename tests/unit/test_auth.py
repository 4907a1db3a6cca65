"""Admin rights from `cognito:groups` as API Gateway passes them, and what an Actor may touch."""

import base64
import json

import pytest

from nudge.auth import actor_from_claims, is_admin, parse_groups
from nudge.errors import Forbidden, Unauthorized
from nudge.users.actor import Actor


def _bearer(payload: dict[str, object]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"Bearer eyJhbGciOiJSUzI1NiJ9.{encoded}.c2lnbmF0dXJl"


def _flattened(groups: list[str]) -> str:
    return "[" + " ".join(groups) + "]"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[admin]", ("admin",)),
        ("[admin users]", ("admin", "users")),
        ("[readonly,admin]", ("readonly,admin",)),
        ("[]", ()),
        ("admin]", ("admin]",)),
        ("admin", ("admin",)),
        (["admin", "users"], ("admin", "users")),
        (None, ()),
        ("[admin  users]", None),
        ("[ admin]", None),
        (["admin", 1], None),
        (7, None),
    ],
)
def test_parse_groups_reads_api_gateways_flattened_form_exactly(raw: object, expected: object) -> None:
    assert parse_groups(raw) == expected


@pytest.mark.parametrize(
    "token_groups", [["not admin"], ["readonly,admin"], ["x admin y"], ["administrators"], ["Admin"], []]
)
def test_group_names_that_only_contain_admin_are_not_admin(token_groups: list[str]) -> None:
    claim = _flattened(token_groups)
    assert not is_admin(claim, _bearer({"sub": "u1", "cognito:groups": token_groups}))
    assert not is_admin(claim, None)


def test_a_string_claim_admin_bracket_is_not_admin() -> None:
    assert not is_admin("admin]", _bearer({"sub": "u1", "cognito:groups": "admin]"}))


def test_admin_alone_or_among_other_groups_is_admin() -> None:
    assert is_admin("[admin]", None)
    token = _bearer({"sub": "u1", "cognito:groups": ["users", "admin"]})
    assert is_admin("[users admin]", token)


def test_several_groups_are_ambiguous_without_the_token_and_not_admin() -> None:
    assert not is_admin("[users admin]", None)
    assert not is_admin("[users admin]", "Bearer not-a-jwt")
    # The token must be the one whose claims the gateway passed: another list is not trusted.
    assert not is_admin("[users admin]", _bearer({"sub": "u1", "cognito:groups": ["users", "admin", "x"]}))


def test_the_admin_group_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_GROUP_NAME", "nudge-operators")
    assert is_admin("[nudge-operators]", None)
    assert not is_admin("[admin]", None)


def test_actor_from_claims() -> None:
    actor = actor_from_claims({"sub": "u1", "cognito:groups": "[admin]"}, "10.0.0.1", "curl/8")
    assert actor == Actor("u1", is_admin=True, source_ip="10.0.0.1", user_agent="curl/8")
    assert actor_from_claims({"sub": "u1", "cognito:groups": "[administrators]"}) == Actor("u1", is_admin=False)
    assert actor_from_claims({"sub": "auth0|abc123"}) == Actor("auth0|abc123", is_admin=False)


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"sub": 5}])
def test_no_subject_is_unauthorized(claims: dict[str, object] | None) -> None:
    with pytest.raises(Unauthorized):
        actor_from_claims(claims)


def test_users_reach_only_their_own_data() -> None:
    Actor("u1", is_admin=False).ensure_can_access("u1")
    Actor("admin", is_admin=True).ensure_can_access("u1")
    with pytest.raises(Forbidden):
        Actor("u2", is_admin=False).ensure_can_access("u1")


def test_admin_only() -> None:
    Actor("admin", is_admin=True).ensure_admin()
    with pytest.raises(Forbidden):
        Actor("u1", is_admin=False).ensure_admin()
