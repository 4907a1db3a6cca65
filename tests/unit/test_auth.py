import pytest

from nudge.auth import Caller, caller_from_claims, parse_groups
from nudge.errors import Forbidden, Unauthorized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[admin users]", {"admin", "users"}),
        ("[admin]", {"admin"}),
        ("admin,users", {"admin", "users"}),
        (["admin", "users"], {"admin", "users"}),
        ("[]", set()),
        (None, set()),
        ("administrators", {"administrators"}),
    ],
)
def test_groups_in_every_shape_api_gateway_sends(raw: object, expected: set[str]) -> None:
    assert parse_groups(raw) == expected


def test_admin_comes_from_the_admin_group_only() -> None:
    assert caller_from_claims({"sub": "u1", "cognito:groups": "[admin]"}) == Caller("u1", is_admin=True)
    assert caller_from_claims({"sub": "u1", "cognito:groups": "[administrators]"}) == Caller("u1", is_admin=False)
    assert caller_from_claims({"sub": "u1"}) == Caller("u1", is_admin=False)


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"cognito:groups": "[admin]"}])
def test_no_subject_is_unauthorized(claims: dict[str, str] | None) -> None:
    with pytest.raises(Unauthorized):
        caller_from_claims(claims)


def test_users_access_only_their_own_data() -> None:
    Caller("u1", is_admin=False).ensure_can_access("u1")
    Caller("admin", is_admin=True).ensure_can_access("u1")
    with pytest.raises(Forbidden):
        Caller("u2", is_admin=False).ensure_can_access("u1")


def test_admin_only_actions() -> None:
    Caller("admin", is_admin=True).ensure_admin()
    with pytest.raises(Forbidden):
        Caller("u1", is_admin=False).ensure_admin()
