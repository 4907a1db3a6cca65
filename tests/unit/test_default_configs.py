"""The default configurations and tiers are built without validation (cold start); here they are validated."""

from nudge.anchoring.tiers import DEFAULT_TIERS, PricingTier
from nudge.defaults.archetype_detection import DEFAULT_ARCHETYPE_CONFIG, ArchetypeConfig
from nudge.defaults.default_selection import DEFAULT_PRICING_CONFIG, PricingConfig
from nudge.defaults.urgency import DEFAULT_URGENCY_CONFIG, UrgencyConfig


def test_the_default_archetype_config_is_valid_and_complete() -> None:
    validated = ArchetypeConfig.model_validate(DEFAULT_ARCHETYPE_CONFIG.model_dump())
    assert validated == DEFAULT_ARCHETYPE_CONFIG
    assert validated == ArchetypeConfig()


def test_the_default_pricing_config_is_valid_and_complete() -> None:
    validated = PricingConfig.model_validate(DEFAULT_PRICING_CONFIG.model_dump())
    assert validated == DEFAULT_PRICING_CONFIG
    assert validated == PricingConfig()


def test_the_default_urgency_bands_are_valid_and_complete() -> None:
    validated = UrgencyConfig.model_validate(DEFAULT_URGENCY_CONFIG.model_dump())
    assert validated == DEFAULT_URGENCY_CONFIG
    assert [band.max_days for band in validated.bands] == [3, 7, 14, None]


def test_the_default_tiers_are_valid_and_complete() -> None:
    for tier in DEFAULT_TIERS:
        validated = PricingTier.model_validate(tier.model_dump())
        assert validated == tier
        assert validated.active
        assert all(feature.active for feature in validated.features)
    assert [tier.tier_id for tier in DEFAULT_TIERS] == ["budget", "recommended", "premium"]
