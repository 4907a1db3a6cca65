"""Consent arithmetic: defaults, per-purpose history, opt-in dates."""

from datetime import UTC, datetime, timedelta

from nudge.profiles.consent import ConsentRecord, ConsentSettings, apply_consent, purposes

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def settings(**values: object) -> ConsentSettings:
    return ConsentSettings.model_validate(values)


def test_everything_defaults_to_false() -> None:
    assert set(purposes(ConsentSettings()).values()) == {False}
    assert sorted(purposes(ConsentSettings())) == [
        "analytics_sharing",
        "behavioral_tracking",
        "marketing_emails",
        "personalized_notifications.channels.email",
        "personalized_notifications.channels.sms",
        "personalized_notifications.channels.whatsapp",
        "personalized_notifications.enabled",
        "research_participation",
    ]


def test_each_changed_purpose_gets_one_history_entry_with_old_and_new_value() -> None:
    wanted = settings(behavioral_tracking=True, personalized_notifications={"enabled": True, "channels": {"sms": True}})
    update = apply_consent(ConsentRecord(), wanted, NOW, "203.0.113.9", "app/1.0", "2026-11")

    assert [(c.purpose, c.old_value, c.new_value) for c in update.changes] == [
        ("personalized_notifications.enabled", False, True),
        ("personalized_notifications.channels.sms", False, True),
        ("behavioral_tracking", False, True),
    ]
    assert {c.source_ip for c in update.changes} == {"203.0.113.9"}
    assert update.record.version == 1
    assert update.record.changed_at == {change.purpose: NOW for change in update.changes}
    assert update.record.sms_opt_in_at == NOW
    assert update.record.whatsapp_opt_in_at is None


def test_the_first_opt_in_date_is_kept_through_a_withdrawal_and_a_new_opt_in() -> None:
    sms = settings(personalized_notifications={"channels": {"sms": True}})
    first = apply_consent(ConsentRecord(), sms, NOW, "", "", "v1").record
    withdrawn = apply_consent(first, ConsentSettings(), NOW + timedelta(days=1), "", "", "v1").record
    again = apply_consent(withdrawn, sms, NOW + timedelta(days=2), "", "", "v1").record

    assert again.sms_opt_in_at == NOW
    assert again.changed_at["personalized_notifications.channels.sms"] == NOW + timedelta(days=2)
    assert again.version == 3


def test_asking_for_what_is_already_stored_changes_nothing() -> None:
    record = apply_consent(ConsentRecord(), settings(marketing_emails=True), NOW, "", "", "v1").record
    update = apply_consent(record, settings(marketing_emails=True), NOW + timedelta(hours=1), "", "", "v2")

    assert update.changes == []
    assert update.record == record


def test_a_first_answer_consenting_to_nothing_is_recorded_under_the_policy() -> None:
    update = apply_consent(ConsentRecord(), ConsentSettings(), NOW, "203.0.113.9", "app/1.0", "2026-11")

    assert update.changes == []
    assert (update.record.version, update.record.policy_version, update.record.updated_at) == (1, "2026-11", NOW)
    assert apply_consent(update.record, ConsentSettings(), NOW + timedelta(days=1), "", "", "2026-12").record == (
        update.record
    )


def test_ingestion_reads_only_tracking_sharing_and_version_from_the_stored_item() -> None:
    from nudge.item_codec import to_item
    from nudge.profiles.profile_table import ProfileTable, TrackingConsent

    record = apply_consent(ConsentRecord(), settings(behavioral_tracking=True), NOW, "", "", "v1").record
    item = to_item({"pk": "USER#u1", "sk": "CONSENT", **record.model_dump()})
    withdrawn = apply_consent(record, ConsentSettings(), NOW, "", "", "v1").record

    assert ProfileTable.decode_tracking_consent(item) == TrackingConsent(allowed=True, version=1)
    assert ProfileTable.decode_tracking_consent(to_item(withdrawn.model_dump())) == TrackingConsent(False, 2)
    assert ProfileTable.decode_tracking_consent(None) == TrackingConsent(allowed=False, version=0)
    sharing = apply_consent(record, settings(behavioral_tracking=True, analytics_sharing=True), NOW, "", "", "v1")
    assert ProfileTable.decode_tracking_consent(to_item(sharing.record.model_dump())) == TrackingConsent(True, 2, True)


def test_what_an_unsubscribe_link_turns_off_is_marked_on_the_record_with_its_time() -> None:
    given = apply_consent(ConsentRecord(), settings(marketing_emails=True, behavioral_tracking=True), NOW, "", "", "v1")
    later = NOW + timedelta(days=1)
    update = apply_consent(given.record, settings(behavioral_tracking=True), later, "", "", "v1", "unsubscribe_link")

    assert update.record.unsubscribed_at == {"marketing_emails": later}
    assert given.record.unsubscribed_at == {}


def test_the_api_turning_a_purpose_off_marks_nothing() -> None:
    given = apply_consent(ConsentRecord(), settings(marketing_emails=True), NOW, "", "", "v1")
    update = apply_consent(given.record, ConsentSettings(), NOW + timedelta(days=1), "", "", "v1")

    assert update.record.unsubscribed_at == {}


def test_the_mark_stays_through_other_changes_and_goes_when_the_purpose_changes_again() -> None:
    given = apply_consent(ConsentRecord(), settings(marketing_emails=True), NOW, "", "", "v1").record
    unsubscribed = apply_consent(given, ConsentSettings(), NOW, "", "", "v1", "unsubscribe_link").record
    other = apply_consent(unsubscribed, settings(analytics_sharing=True), NOW, "", "", "v1").record
    again = apply_consent(other, settings(analytics_sharing=True, marketing_emails=True), NOW, "", "", "v1").record

    assert other.unsubscribed_at == {"marketing_emails": NOW}
    assert again.unsubscribed_at == {}
