"""The demo profiles and consents `make run` seeds are valid and differ where campaigns will look."""

import json

import pytest

from local_runtime import seed
from nudge.profiles.consent import ConsentSettings
from nudge.profiles.profile import ProfileFields, cross_field_problems


def test_every_demo_user_has_a_profile_and_a_consent() -> None:
    assert [user for user, _, _ in seed.DEMO_PROFILES] == [
        *(profile[0] for profile in seed._PROFILES),
        seed.DEMO_NEW_USER,
    ]


@pytest.mark.parametrize(
    ("user", "profile", "consent"),
    [*seed.DEMO_PROFILES, *seed.DEMO_SIMULATOR_PROFILES],
    ids=lambda value: str(value)[:20],
)
def test_each_is_valid_as_the_routes_would_take_it(
    user: str, profile: dict[str, object], consent: dict[str, object]
) -> None:
    fields = ProfileFields.model_validate_json(json.dumps(profile), strict=True)
    assert cross_field_problems(fields) == []
    ConsentSettings.model_validate_json(json.dumps(consent), strict=True)


def test_they_differ_in_zone_interests_channels_and_tracking_consent() -> None:
    fields = [ProfileFields.model_validate(profile) for _, profile, _ in seed.DEMO_PROFILES]
    consents = [ConsentSettings.model_validate(consent) for _, _, consent in seed.DEMO_PROFILES]

    assert len({profile.time_zone for profile in fields}) >= 4
    assert len({category for profile in fields for category in profile.interests.categories}) >= 8
    channels = [consent.personalized_notifications.channels for consent in consents]
    assert {channel.sms for channel in channels} == {channel.whatsapp for channel in channels} == {True, False}
    assert {consent.behavioral_tracking for consent in consents} == {True, False}


def test_the_simulator_profiles_are_the_bounce_and_complaint_addresses_in_the_demo_segment_with_email_consent() -> None:
    from local_runtime.ses_feedback import BOUNCE, COMPLAINT
    from nudge.notifications.segments import SegmentFields, matches

    rules = SegmentFields.model_validate(seed.DEMO_SEGMENT).rules
    profiles = {user: ProfileFields.model_validate(profile) for user, profile, _ in seed.DEMO_SIMULATOR_PROFILES}
    assert {user: profile.email for user, profile in profiles.items()} == {
        "demo-bounce": BOUNCE,
        "demo-complaint": COMPLAINT,
    }
    assert rules.min_engagement_score is not None
    assert all(matches(rules, profile, rules.min_engagement_score) for profile in profiles.values())
    for _, _, consent in seed.DEMO_SIMULATOR_PROFILES:
        settings = ConsentSettings.model_validate(consent)
        assert (settings.personalized_notifications.enabled, settings.personalized_notifications.channels.email) == (
            True,
            True,
        )
        assert settings.behavioral_tracking  # their seeded views give them the segment's engagement
